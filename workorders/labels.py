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


def status_label(status: str, language: str = "zh") -> str:
    """A work order's status in ``language`` (Chinese unless English), also outside a request."""
    return STATUS_LABELS["en" if language == "en" else "zh"].get(status, status)
