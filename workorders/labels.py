"""The names of the work-order statuses in each language of the hotline."""

from __future__ import annotations

# The work-order statuses' labels, the one table of them: the console, the portal and the
# answers to texts all read it.
STATUS_LABELS = {
    "zh": {
        "new": "待分派",
        "dispatched": "已派发",
        "signed": "已签收",
        "in_progress": "办理中",
        "extension_requested": "延期申请中",
        "disputed": "退回待审定",
        "replied": "已答复",
        "callback": "回访中",
        "closed": "已办结",
        "cancelled": "已撤销",
        "merged": "已合并",
    },
    "en": {
        "new": "New",
        "dispatched": "Dispatched",
        "signed": "Signed for",
        "in_progress": "In progress",
        "extension_requested": "Extension requested",
        "disputed": "Returned, awaiting determination",
        "replied": "Replied",
        "callback": "Callback",
        "closed": "Closed",
        "cancelled": "Cancelled",
        "merged": "Merged",
    },
}


# The actions on a work order, by name: in Chinese the verb a button and the history show,
# in English as a sentence says what is done to an order ("cannot be signed for").
ACTION_LABELS = {
    "zh": {
        "create": "受理",
        "dispatch": "派单",
        "sign": "签收",
        "start": "开始办理",
        "reply": "答复",
        "return": "退回",
        "determine": "联合审定",
        "request_extension": "申请延期",
        "approve_extension": "批准延期",
        "deny_extension": "驳回延期",
        "urge": "督办",
        "escalate": "超期升级",
        "start_callback": "发送满意度回访",
        "close": "办结",
        "reopen": "重新交办",
        "merge": "合并重复工单",
        "follow_parent": "随主工单办结",
        "cancel": "撤销",
        "add_facts": "补充新情况",
        "attach": "添加附件",
    },
    "en": {
        "create": "created",
        "dispatch": "dispatched",
        "sign": "signed for",
        "start": "started",
        "reply": "replied to",
        "return": "returned",
        "determine": "settled by joint determination",
        "request_extension": "given an extension request",
        "approve_extension": "granted an extension",
        "deny_extension": "refused an extension",
        "urge": "urged",
        "escalate": "escalated",
        "start_callback": "called back",
        "close": "closed",
        "reopen": "reopened",
        "merge": "merged",
        "follow_parent": "closed with its parent",
        "cancel": "cancelled",
        "add_facts": "given new facts",
        "attach": "given attachments",
    },
}


def status_label(status: str, language: str = "zh") -> str:
    """A work order's status in ``language`` (Chinese unless English), also outside a request."""
    return STATUS_LABELS["en" if language == "en" else "zh"].get(status, status)
