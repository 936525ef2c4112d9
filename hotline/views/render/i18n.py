"""The console speaks Chinese first; English is one click away (?lang=en, kept in the session)."""

from __future__ import annotations

import re

from flask import Flask, request, session

from hotline.infra.gateway import REFUSALS
from routing import messaging
from workorders.labels import ACTION_LABELS, STATUS_LABELS
from workorders.reports import CHANNEL_NAMES

LANGUAGES = ("zh", "en")
# How a text's thread shows its status, in each language.
MESSAGE_STATUS_LABELS = {
    "zh": {
        "received": "已收到",
        "accepted": "已受理",
        "queued": "待发送",
        "sending": "发送中",
        "sent": "已发送",
        "delivered": "已送达",
        "undelivered": "未送达",
        "failed": "发送失败",
    },
    "en": {
        "received": "Received",
        "accepted": "Accepted",
        "queued": "Queued",
        "sending": "Sending",
        "sent": "Sent",
        "delivered": "Delivered",
        "undelivered": "Undelivered",
        "failed": "Failed",
    },
}
# Why a text failed, as recorded: "Twilio <code>: <sentence>" (the gateway's reason), or a
# bare code (a delivery report's ErrorCode).
TWILIO_CODE = re.compile(r"^(?:Twilio )?(\d{5})\b")

# Chinese text -> English. Templates write Chinese and wrap it in t().
ENGLISH = {
    **STATUS_LABELS["en"],
    **{f"message:{k}": v for k, v in MESSAGE_STATUS_LABELS["en"].items()},
    **{f"twilio:{code}": refusal.en for code, refusal in REFUSALS.items()},
    "Twilio 错误码": "Twilio error",
    "先咨询再转接（座席或外部号码）": "Consult first (an agent or an outside number)",
    "正在咨询": "Consulting",
    "已接通，市民在等待": "Connected; the caller is waiting",
    "正在呼叫": "Calling",
    "完成转接": "Complete transfer",
    "接回来电": "Take the caller back",
    "同事咨询": "A colleague asks",
    "同事咨询中": "Consulted by a colleague",
    "备注": "Note",
    "接听后与同事通话；同事完成转接后，来电转给您。": (
        "Answer to talk with your colleague; once they complete the transfer, the caller is yours."
    ),
    "正在咨询，来电者在等待": "Consulting; the caller is waiting",
    "已接回来电": "The caller is back with you",
    "来电正在等待中，请先恢复通话": "The caller is waiting: take them back first",
    "座席线路尚未接通，暂不能咨询": "Your line is not connected yet: you cannot consult now",
    "不能咨询自己": "You cannot consult yourself",
    "没有这位座席": "No such agent",
    "转接号码簿里没有这个号码": "That number is not in the transfer directory",
    "只能咨询座席或号码簿里的号码": "Only an agent or a number of the directory can be consulted",
    "没有正在进行的咨询": "No consultation is under way",
    "被咨询方尚未接听，不能转接": (
        "The party consulted has not answered: the caller cannot be put through yet"
    ),
    "正在咨询中：请先完成转接或接回来电": (
        "A consultation is under way: complete the transfer or take the caller back first"
    ),
    "短号码只能直接转接，不能先咨询": (
        "A short number can only be transferred to directly, not consulted first"
    ),
    "座席线路已断开": "Your line is gone",
    "用户管理": "Users",
    "跳到主要内容": "Skip to content",
    "主菜单": "Main menu",
    "选择": "Select",
    "短信会话": "Text messages",
    "实时大屏": "Wallboard",
    "系统管理": "Administration",
    "语音菜单": "Voice menus",
    "修改即时生效，每次修改都记入审计日志。": (
        "Changes apply at once; each one is recorded in the audit log."
    ),
    "按键": "Key",
    "语音关键词": "Spoken keywords",
    "优先级": "Priority",
    "审计日志": "Audit log",
    "热线": "Hotline",
    "该号码已退订短信": "This number has opted out of texts",
    "回复": "Reply",
    "发送": "Send",
    "交还自动回复": "Hand back to automatic replies",
    "接管会话": "Take over the conversation",
    "最近消息": "Latest message",
    "待人工": "Needs an agent",
    "人工处理中": "With an agent",
    "已退订": "Opted out",
    "自动": "Automatic",
    "今日服务水平": "Service level today",
    "评价": "Ratings",
    "最长等待": "Longest wait",
    "排班建议": "Staffing advice",
    "未来15分钟需要坐席": "Agents needed in the next 15 minutes",
    "在线": "Logged in",
    "状态开始": "Since",
    "状态时长": "Time in state",
    "地点": "Place",
    "申请时间": "Asked",
    "审批意见": "Decision note",
    "时间": "Time",
    "操作人": "By",
    "对象": "Record",
    "变更": "Changes",
    "代码": "Code",
    "返回首页": "Home",
    "新来电": "New call",
    "待人工回复的会话": "Threads waiting for an agent",
    "已恢复未提交的草稿": "An unsent draft was restored",
    "清除草稿": "Discard the draft",
    "处理结果": "Outcome",
    "勾选的工单一并派发至": "Dispatch the ticked orders to",
    "批量派发": "Dispatch the ticked orders",
    "话后处理超时": "wrap-up limit reached",
    "话机无人接听": "phone not answered",
    "话机占线": "phone busy",
    "话机呼叫失败": "phone call failed",
    "转接": "Transfer",
    "保持": "Hold",
    "恢复通话": "Resume",
    "保持中": "On hold",
    "市民正在听等候提示": "the caller hears the hold message",
    "转接到": "Transfer to",
    "外部号码": "Outside numbers",
    "转接备注": "Transfer note",
    "转接备注（随来电转给下一位）": "Note (travels with the call to the next one)",
    "盲转：转出后本通话结束，进入话后处理": "Cold transfer: the call ends for you, then wrap-up",
    "已转接": "Transferred",
    "转接号码簿": "Transfer directory",
    "新增号码": "Add a number",
    "请选择": "Choose",
    "号码须为 3–15 位数字（可带 +）": "A number has 3–15 digits (a leading + allowed)",
    "号码 {number} 已在号码簿中": "{number} is in the directory already",
    "请选择处理结果": "Choose what became of the call",
    "秒后自动就绪": "s until calls are offered again",
    "话后处理原因": "Wrap-up reasons",
    "坐席结束话后处理时选择其一；停用的原因不再供选择，已记录的通话保留原因。": (
        "Agents choose one when they end wrap-up; a retired reason is no longer offered, "
        "and the calls that were given it keep it."
    ),
    "中文名称": "Chinese name",
    "英文名称": "English name",
    "代码（小写字母、数字或 _）": "Code (lower-case letters, digits or _)",
    "新增原因": "Add a reason",
    "代码须以小写字母开头，2–32 位小写字母、数字或 _": (
        "A code starts with a lower-case letter: 2–32 lower-case letters, digits or _"
    ),
    "请填写中文名称": "Give the Chinese name",
    "输入名称、拼音或首字母筛选": "Type a name, pinyin or initials",
    "请选择分类": "Choose a category",
    "最近使用": "Recently used",
    "快捷键：Alt+A 接听，Alt+D 拒接": "Keys: Alt+A answers, Alt+D declines",
    "工单 {number} 已派发至 {unit}，承办期限 {deadline}": (
        "Order {number} dispatched to {unit}, due {deadline}"
    ),
    "工单 {number} 已签收，承办期限 {deadline}": "Order {number} signed for, due {deadline}",
    "工单 {number}：{action}完成，当前状态 {status}": "Order {number}: {action} done, now {status}",
    "{action}：{n} 张工单完成": "{action}: {n} orders done",
    "未能办理": "not done",
    "输入名称筛选": "Type to filter",
    "error:400": "Bad request",
    "error:400:why": "What was sent could not be understood; check it and try again.",
    "error:401": "Login required",
    "error:401:why": "Please log in first.",
    "error:403": "Forbidden",
    "error:403:why": "You may not open this page",
    "error:404": "Not found",
    "error:404:why": "The page or record does not exist, or the address is wrong.",
    "error:405": "Method not allowed",
    "error:405:why": "This page does not accept that kind of request.",
    "error:409": "Conflict",
    "error:409:why": "Someone else changed the record; reload and try again.",
    "error:413": "Too large",
    "error:413:why": "What was sent is larger than the server accepts.",
    "error:415": "Unsupported format",
    "error:415:why": "The format of what was sent is not accepted.",
    "error:422": "Cannot be done",
    "error:422:why": "What was asked cannot be done.",
    "error:429": "Too many requests",
    "error:429:why": "Too many requests; wait a moment and try again.",
    "error:500": "Server error",
    "error:500:why": "Something went wrong; try again later. It has been logged.",
    "error:502": "Upstream error",
    "error:502:why": "An outside service could not complete the request; try again later.",
    "error:503": "Unavailable",
    "error:503:why": "The service is unavailable for a moment; try again later.",
    "该号码的工单": "Orders of this number",
    "撤销理由": "Why it is cancelled",
    "查询工单": "Find orders",
    "工单号、电话或关键词": "Ticket number, phone or words",
    "只看我受理的": "Only those I filed",
    "查询": "Search",
    "找到 {n} 张工单": "{n} orders found",
    "受理时间": "Filed",
    "诉求": "Request",
    "派单规则与工作日历": "Assignment rules and calendar",
    "新建用户": "New user",
    "全部用户": "All users",
    "姓名": "Name",
    "角色": "Role",
    "所属单位": "Unit",
    "所属单位（承办单位用户）": "Unit (for department users)",
    "技能组（坐席、值班长）": "Skills (agents and supervisors)",
    "初始密码": "First password",
    "创建": "Create",
    "有坐席": "has a seat",
    "在用": "active",
    "已停用": "deactivated",
    "重设密码": "Reset password",
    "新密码": "New password",
    "重设": "Reset",
    "role:agent": "Call agent",
    "role:supervisor": "Supervisor",
    "role:department": "Department staff",
    "role:monitor": "Monitor",
    "role:admin": "Administrator",
    "已创建用户 {name}": "User {name} created",
    "已保存用户 {name}": "User {name} saved",
    "已为 {name} 设置新密码，其现有登录已失效": (
        "New password set for {name}; their logins have ended"
    ),
    "已启用用户 {name}": "User {name} reactivated",
    "已停用用户 {name}，其现有登录已失效": "User {name} deactivated; their logins have ended",
    "用户名须以小写字母开头，3–64 位小写字母、数字或 _ . -": (
        "A username starts with a lower-case letter: 3–64 lower-case letters, digits, _ . -"
    ),
    "用户名 {username} 已存在": "The username {username} is taken",
    "不能更改自己的角色": "You cannot change your own role",
    "不能停用自己的账号": "You cannot deactivate your own login",
    "{name} 正在通话，请在通话结束后再停用": "{name} is on a call; deactivate them after it",
    "没有编号为 {id} 的用户": "There is no user {id}",
    "未知角色 {role}": "Unknown role {role}",
    "承办单位用户须选择所属单位": "A department user needs a unit",
    "密码至少 {n} 位": "A password has at least {n} characters",
    "未知技能组 {codes}": "Unknown skills {codes}",
    "坐席至少要有一个技能组": "An agent needs at least one skill",
    "12345 政务服务便民热线": "12345 Government Service Hotline",
    "登录": "Log in",
    "退出": "Log out",
    "用户名": "Username",
    "密码": "Password",
    "用户名或密码错误": "Wrong username or password",
    "请先登录": "Please log in first",
    "登录失败次数过多，请 {minutes} 分钟后再试": "Too many failed logins; wait {minutes} min",
    "您没有权限访问此页面": "You may not open this page",
    "坐席工作台": "Agent console",
    "值班长": "Supervisor desk",
    "承办单位": "Unit",
    "统计报表": "Reports",
    "我的状态": "My state",
    "置闲": "Available",
    "小休": "Break",
    "离线": "Offline",
    "示忙": "Busy",
    "整理": "Wrap-up",
    "通话中": "On a call",
    "已预占": "Reserved",
    "排队来电": "Waiting calls",
    "暂无排队来电": "No calls waiting",
    "接听": "Accept",
    "当前通话": "Current call",
    "来电号码": "Caller",
    "来源热线": "Came in on",
    "技能组": "Skill",
    "等待": "Waiting",
    "秒": "s",
    "知识库": "Knowledge base",
    "搜索": "Search",
    "没有找到可靠的答案": "No confident match",
    "以此条解答": "Resolved with this article",
    "新建工单": "New work order",
    "分类": "Category",
    "区": "District",
    "街道": "Street",
    "地址": "Address",
    "问题描述": "Description",
    "市民姓名": "Citizen's name",
    "市民电话": "Citizen's phone",
    "紧急": "Urgent",
    "提交工单": "File work order",
    "结束通话": "End call",
    "就绪": "Ready",
    "工单": "Work order",
    "工单号": "Number",
    "状态": "Status",
    "承办期限": "Deadline",
    "剩余": "Left",
    "已超期": "Overdue",
    "签收": "Sign for",
    "答复": "Reply",
    "答复内容": "Reply text",
    "提交答复": "Send reply",
    "办理记录": "History",
    # The order's history as a timeline.
    "当前状态": "Current state",
    "共 {count} 步": "{count} steps",
    "交办至": "Sent to",
    "市民（短信）": "Citizen (text)",
    "市民（网上诉求）": "Citizen (online request)",
    "单位系统": "Unit's system",
    "已向市民发送满意度回访短信": "The satisfaction survey was texted to the citizen",
    "延期 {days} 个工作日：{note}": "{days} more working days: {note}",
    # A text thread's reply: its length, and the knowledge base beside it.
    "{count} / {limit} 字": "{count} / {limit} characters",
    "回复不能超过 {limit} 字": "A reply may not be longer than {limit} characters",
    "答案已插入回复": "The answer was inserted into the reply",
    "分派理由": "Why this unit",
    "回访": "Callback",
    "满意": "Satisfied",
    "基本满意": "Basically satisfied",
    "不满意": "Unsatisfied",
    "未接通": "No answer",
    "待回访工单": "Orders awaiting callback",
    "待分派工单": "Orders awaiting dispatch",
    "坐席": "Agents",
    "排队": "Queues",
    "办结率": "Closure rate",
    "已派发": "Dispatched",
    "已办结": "Closed",
    "接通率": "Answer rate",
    "呼入": "Offered",
    "接通": "Answered",
    "放弃": "Abandoned",
    "回拨未接通": "Callbacks unreached",
    "一次性解答率": "First-contact resolution",
    "按承办单位": "By unit",
    "暂无工单": "No work orders",
    "分页": "Pages",
    "第 {first}–{last} 条，共 {total} 条": "{first}–{last} of {total}",
    "上一页": "Previous",
    "共 {n} 张工单": "{n} orders",
    "下一页（更多）": "Next (more)",
    "无": "none",
    "操作成功": "Done",
    "接听电话": "Answer on phone",
    "留空则在浏览器接听": "leave empty to answer in the browser",
    "坐席接听方式": "Where agents answer",
    "填写电话号码（+86…）或 SIP 地址（sip:…）后，来电转到该电话；留空则在浏览器工作台接听。": (
        "With a phone number (+86…) or a SIP address (sip:…), calls ring that phone; "
        "left empty, they ring the browser console."
    ),
    "浏览器话机": "Browser phone",
    "未连接": "Not connected",
    "已连接": "Connected",
    "来电振铃": "Ringing",
    "接听来电": "Answer",
    "静音": "Mute",
    "取消静音": "Unmute",
    "挂断": "Hang up",
    "无法使用麦克风，不能置闲：请允许浏览器使用麦克风后重试。": (
        "The microphone cannot be used, so you cannot go available: "
        "allow the browser to use it and try again."
    ),
    "服务器未配置浏览器语音，不能在浏览器接听来电。": (
        "The server has no browser voice client configured: calls cannot ring in the browser."
    ),
    "浏览器话机连接失败（令牌无效或已过期），已置为离线，请刷新页面后重试。": (
        "The browser phone could not connect (its token is invalid or expired); you are "
        "now offline. Reload the page and try again."
    ),
    "今日评价": "Ratings today",
    "未及时接听，已置为小休": "A call rang out unanswered, so you were put on a break",
    "来电分配": "Call offered",
    "拒接": "Decline",
    "回拨": "callback",
    "语言": "Language",
    "普通话": "Mandarin",
    "粤语": "Cantonese",
    "语音识别": "Speech",
    "留言": "Message",
    "收听留言": "Listen to the message",
    "历史来电": "Earlier calls",
    "在办工单": "Open work orders",
    "市民评价": "Caller's rating",
    "网络异常，操作未完成，请重试": "The server could not be reached; nothing was done. Try again.",
    "知识库缺口报告": "Knowledge-base gaps",
    "统计天数": "Days",
    "没有可靠答案的常见问题": "Frequent questions without a confident answer",
    "问题": "Question",
    "次数": "Times",
    "最近": "Last",
    "被标记为没有帮助最多的条目": "Articles most often marked not helpful",
    "条目": "Article",
    "没有帮助": "Not helpful",
    "最近的问题": "Last question",
    "已过期但仍在使用的条目": "Expired articles still in use",
    "有效期至": "Valid until",
    "过期后使用次数": "Uses since expiry",
    "没有找到相关条目": "No matching article",
    "以下为相近条目，请核对后使用": "the closest articles are below; check before using them",
    "搜索暂时不可用": "Search is unavailable, try again",
    "答案已插入问题描述": "Answer inserted into the description",
    "已安排短信发送": "The answer will be texted to the caller",
    "已记录反馈": "Feedback recorded",
    "已过期": "Expired",
    "输入市民的问题，系统自动推荐答案": "Type the caller's question; answers are suggested",
    "插入答案": "Insert answer",
    "更多操作": "More actions",
    "短信发送给来电人": "Text to caller",
    # Work-order lifecycle (issue 5).
    "期限": "Deadline",
    "只看未办结": "Open orders only",
    "全部工单": "All orders",
    "协办": "Co-unit",
    "批量处理所选工单": "Act on the selected orders",
    "操作": "Action",
    "答复内容或理由": "Reply text or reason",
    "延期工作日": "Extra working days",
    "提交": "Submit",
    "请选择工单": "Select some orders first",
    "操作冲突": "Conflict",
    "来源": "Channel",
    "来电": "Call",
    "本单位协办，仅可查看": "your unit assists: read only",
    "签收期限": "Sign-for deadline",
    "市民": "Citizen",
    "督办次数": "Times urged",
    "附件": "Attachments",
    "录音": "Recording",
    "延期申请": "Extension requests",
    "开始办理": "Start work",
    "附件链接（每行一个）": "Attachment URLs (one per line)",
    "延期理由": "Why more time is needed",
    "申请延期": "Ask for more time",
    "退回理由": "Why the order is not yours",
    "退回": "Return",
    "协办单位（代码，逗号分隔）": "Co-units (codes, comma-separated)",
    "说明": "Note",
    "合并到工单号": "Merge into order number",
    "协办单位": "Co-units",
    "待联合审定的退回工单": "Returned orders awaiting joint determination",
    "审定意见": "Reasons of the determination",
    "超期工单": "Overdue orders",
    "督办意见": "Urging note",
    "工单规则": "Work-order rules",
    "分派规则（按顺序尝试，未命中则按分类规则）": (
        "Assignment rules (tried in order; otherwise the category's rule decides)"
    ),
    "顺序": "Position",
    "主办单位": "Lead unit",
    "停用": "Deactivate",
    "启用": "Activate",
    "删除": "Delete",
    "添加规则": "Add rule",
    "节假日与调休": "Holidays and make-up working days",
    "calendar:source": (
        "The official holidays and make-up working days come from the {package} package"
        " ({version}, years {first}–{last}). The local overrides below (a local holiday, a"
        " typhoon day, a day declared a working day) apply on top of them."
    ),
    "calendar:missing_year": (
        "No official {year} holiday arrangement yet: upgrade the {package} package (now"
        " {version}, years {first}–{last}) and restart the service. Until then, deadlines"
        " in {year} count Monday to Friday (and the local overrides) and are marked"
        " provisional."
    ),
    "本地调整": "Local overrides",
    "暂定承办期限": "Provisional deadlines",
    "上班": "Working day",
    "如：台风停工、本地节日": "e.g. typhoon day, local holiday",
    "放假": "Day off",
    "承办期限为暂定：尚无{year}年官方节假日安排": (
        "Provisional deadline: no official {year} holiday arrangement yet"
    ),
    "日期": "Day",
    "类型": "Kind",
    "保存": "Save",
    "承办单位联系方式（派单通知）": "Units' contacts (for assignment notices)",
    "手机": "Mobile phone",
    "电子邮件": "E-mail",
    # The agent's states and the calls' statuses, as the console shows them.
    "available": "Available",
    "break": "Break",
    "offline": "Offline",
    "on_call": "On a call",
    "wrap_up": "Wrap-up",
    "reserved": "Reserved",
    "ivr": "In the menu",
    "queued": "Waiting",
    "connected": "Connected",
    "completed": "Ended",
    "abandoned": "Abandoned",
    "failed": "Failed",
    "left": "Left the queue",
    "scheduled": "Callback scheduled",
    "unreached": "Callback unreached",
    "satisfied": "Satisfied",
    "basically_satisfied": "Basically satisfied",
    "unsatisfied": "Unsatisfied",
    "no_answer": "No answer",
    "no_response": "No response",
    "action:create": "Filed",
    "action:dispatch": "Dispatch",
    "action:sign": "Sign for",
    "action:start": "Start work",
    "action:reply": "Reply",
    "action:return": "Return",
    "action:determine": "Joint determination",
    "action:request_extension": "Ask for more time",
    "action:approve_extension": "Approve extension",
    "action:deny_extension": "Deny extension",
    "action:urge": "Urge",
    "action:escalate": "Escalated",
    "action:start_callback": "Satisfaction survey sent",
    "action:close": "Close",
    "action:reopen": "Reopen",
    "action:merge": "Merge as duplicate",
    "action:follow_parent": "Closed with its parent",
    "action:cancel": "Cancel",
    "action:add_facts": "Add new facts",
    "action:attach": "Add attachments",
    "attachment:intake": "Filed with",
    "attachment:reply": "With the reply",
    "attachment:facts": "With new facts",
    "extension:pending": "Pending",
    "extension:approved": "Approved",
    "extension:denied": "Denied",
    # Reports, bulletin and agents (issue 7).
    "每月通报": "Monthly bulletin",
    "坐席统计与服务之星": "Agents and service stars",
    "开始日期": "From",
    "截止日期（不含）": "To (not included)",
    "分组": "Group by",
    "by_unit": "By unit",
    "by_category": "By category",
    "by_district": "By district",
    "by_channel": "By channel",
    "by_day": "By day",
    "by_month": "By month",
    "工单数据更新于": "Work-order figures as of",
    "按期办结率": "On-time rate",
    "按期办结": "Closed on time",
    "超期未办结": "Open overdue",
    "满意率": "Satisfaction rate",
    "退回率": "Return rate",
    "重办率": "Reopen rate",
    "放弃率": "Abandonment rate",
    "服务水平": "Service level",
    "趋势": "Trends",
    "排名": "Rank",
    "名称": "Name",
    "口径说明": "Definitions",
    "上月": "last month",
    "较上月": "vs last month (points)",
    "满意率排名": "Satisfaction rank",
    "承办单位排名": "Units ranked",
    "排名规则": "Ranking rule",
    "bulletin_rule": (
        "units with orders dispatched in the month, by on-time rate (equal rates share a "
        "rank; no rank without closed or overdue orders), then by satisfaction rate; the "
        "change is this month's rate minus last month's"
    ),
    "服务之星": "Service stars",
    "评选规则": "Rule",
    "star_rule": (
        "at least %d calls handled and %d ratings in the month; best satisfaction rate, then "
        "first-contact resolution, then calls handled, then shorter AHT; the first %d"
    ),
    "本月暂无符合条件的坐席": "No agent qualifies this month",
    "接听量": "Calls handled",
    # The menu, the text threads, the wallboard, the admin page and the report definitions.
    "号码": "Number",
    "请先接管此会话": "Take the conversation over first",
    "平均应答时长": "Average speed of answer",
    "平均处理时长": "Average handling time",
    "未及时接听": "missed a call",
    "待回拨": "Callbacks",
    "按每15分钟 {calls} 通来电、平均处理时长 {aht} 秒计，预计服务水平 {level}": (
        "at {calls} calls per 15 minutes and {aht} s average handling time, "
        "the expected service level is {level}"
    ),
    "英语": "English",
    "menu:language": "Language menu",
    "menu:main": "Main menu",
    "系统": "System",
    "channel:phone": "Phone",
    "channel:sms": "Text message",
    "channel:console": "Filed by an agent",
    "channel:api": "Department API",
    "channel:open311": "Open311",
    "未指定区": "No district given",
    "{days} 天 {hours} 小时": "{days} d {hours} h",
    "{hours} 小时 {minutes} 分钟": "{hours} h {minutes} min",
    "该登录没有坐席": "This login has no agent seat",
    "截止日期须晚于开始日期": "The end must be after the start",
    "月份的写法如 2026-10": "A month is written like 2026-10",
    "未知的分组方式": "Unknown grouping",
    "用户": "User",
    "派单规则": "Assignment rule",
    "新建": "Created",
    "修改": "Changed",
    "该登录不属于任何承办单位": "This login belongs to no unit",
    "{figure}（{period}）": "{figure} ({period})",
    "按日": "by day",
    "按月": "by month",
    "承办单位按期办结率排名": "Units by on-time rate",
    "按期办结率排名": "On-time rank",
    "坐席满意率": "Agents' satisfaction rate",
    "统计范围": "Scope",
    "（%）": " (%)",
    "（百分点）": " (percentage points)",
    "有回访评价": "Rated",
    "满意（含基本满意）": "Satisfied (with basically satisfied)",
    "被退回": "Returned",
    "重办": "Reopened",
    "上月按期办结率": "On-time rate last month",
    "按期办结率较上月": "On-time rate vs last month",
    "上月按期办结率排名": "On-time rank last month",
    "上月满意率": "Satisfaction rate last month",
    "满意率较上月": "Satisfaction rate vs last month",
    "上月满意率排名": "Satisfaction rank last month",
    "工单按派发时间（重新派发、重办的按最近一次派发）归入统计期；"
    "市民撤回的工单和被合并的重复工单不计。": (
        "Orders count in the period they were dispatched in (re-dispatched and reopened ones "
        "by their latest dispatch); orders the citizen withdrew and duplicates merged into "
        "another are not counted."
    ),
    "已办结 / 已派发": "closed / dispatched",
    "按期办结 / (已办结 + 超期未办结)。按期办结：承办单位最后一次答复不晚于答复期限；"
    "超期未办结：仍在承办单位手中且已过答复期限，超期工单计入分母，对承办单位不利。": (
        "closed on time / (closed + open overdue). Closed on time: the unit's last reply was "
        "no later than the reply deadline; open overdue: still with the unit and past the "
        "reply deadline. Overdue orders count in the denominator, against the unit."
    ),
    "(满意 + 基本满意) / 有回访评价的工单；未接通不计。": (
        "(satisfied + basically satisfied) / orders rated in the callback; callbacks not "
        "answered are not counted."
    ),
    "被退回过的工单 / 已派发，按工单当前的承办单位统计。": (
        "orders returned at least once / dispatched, counted for the order's current unit."
    ),
    "因不满意而重办过的工单 / 已派发。": (
        "orders reopened after an unsatisfied rating / dispatched."
    ),
    "接通（含市民选择的回拨）/ (呼入 - 短时放弃)；短时放弃单独统计。": (
        "answered (including callbacks the caller chose) / (offered − short abandons); short "
        "abandons are counted apart."
    ),
    "排队中挂机 / (呼入 - 短时放弃)。": "hung up while waiting / (offered − short abandons).",
    "在规定秒数内接通 / (呼入 - 短时放弃)。": (
        "answered within the target seconds / (offered − short abandons)."
    ),
    "接通后以知识库条目或当场解答、未转工单 / 接通。": (
        "answered and resolved on the call (with an article or directly), without a work "
        "order / answered."
    ),
    # The domain's refusals (hotline.refusal.Refusal templates), as the error map says them.
    "号码“{number}”无法转为 E.164 国际格式，不能经 Twilio 呼叫或发短信": (
        "the number “{number}” cannot be written in E.164 international form: it cannot be called"
        " or texted through Twilio"
    ),
    "坐席不能自行切换到“{state}”状态": "an agent cannot choose the state “{state}”",
    "“{code}”不是可选的话后处理原因": "“{code}” is not a wrap-up reason",
    "请先结束当前通话": "finish the current call first",
    "“{phone}”既不是国际格式的电话号码（+8620…），也不是 SIP 地址（sip:agent@pbx.example.org）": (
        "“{phone}” is neither a phone number in international form (+8620…) nor a SIP address "
        "(sip:agent@pbx.example.org)"
    ),
    "没有这个坐席": "no such agent",
    "通话 {call_id} 不存在": "call {call_id} does not exist",
    "该来电已不在您的线路上": "this call is not on your line any more",
    "回拨电话不能转接，请重新呼叫市民": "a callback cannot be transferred: call the citizen again",
    "您不在这通电话上": "you are not on this call",
    "没有技能组“{code}”": "no queue “{code}”",
    "这通电话已经在您这里": "the call is already yours",
    "没有编号为 {id} 的坐席": "no agent {id}",
    "{name} 当前不是置闲状态": "{name} is not available",
    "{name} 不会说来电者的语言": "{name} does not speak the caller's language",
    "转接号码簿中没有编号为 {id} 的号码": "no number {id} in the directory",
    "来电者已在保持中": "the caller is on hold already",
    "来电者未在保持中": "the caller is not on hold",
    "这通来电已不再分配给您": "this call is no longer offered to you",
    "您当前没有预占的来电": "you are not holding a reservation",
    "没有这通电话": "no such call",
    "这通电话不在任何队列中": "this call is in no queue",
    "未知的处理结果“{code}”": "unknown resolution “{code}”",
    "这不是您的通话": "this is not your call",
    "来电者已挂机": "the caller is no longer on the line",
    "无法转接到“{target}”": "cannot transfer to “{target}”",
    "没有工单 {number}": "no work order {number}",
    "没有分类“{code}”": "no category “{code}”",
    "没有编号为 {id} 的菜单选项": "no menu option {id}",
    "请填写选项的普通话名称": "the option needs a Mandarin label",
    "未知技能组“{code}”": "unknown skill “{code}”",
    "优先级须在 0 到 9 之间": "priority must be between 0 and 9",
    "条目 {id} 已有审核中的第 {version} 版，请编辑该版本": (
        "article {id} has version {version} in review already; edit that one"
    ),
    "条目 {id} 已有草稿第 {version} 版，请编辑该版本": (
        "article {id} has version {version} as a draft already; edit that one"
    ),
    "没有要修改的内容": "nothing to change",
    "条目 {id} 没有可编辑的草稿，请起草新版本": (
        "article {id} has no draft to edit; draft a new version"
    ),
    "条目已被他人修改，请重新执行命令": "the article changed meanwhile; run the command again",
    "{unit} 是工单 {number} 的协办单位，只有主办单位 {lead_unit} 可以办理": (
        "{unit} assists with work order {number}; only its lead unit {lead_unit} can do this"
    ),
    "未知的受理渠道“{code}”": "unknown channel “{code}”",
    "请填写诉求内容": "a description is required",
    "未知的分类“{code}”": "unknown category “{code}”",
    "外部编号“{ref}”已有工单": "an order was already opened for reference “{ref}”",
    "附件须为 http(s) 网址：“{url}”": "an attachment must be an http(s) URL: “{url}”",
    "每次最多添加 {n} 个附件": "at most {n} attachments at once",
    "未知或已停用的承办单位“{code}”": "unknown unit “{code}”",
    "未知或已停用的协办单位“{code}”": "unknown co-unit “{code}”",
    "该工单的附件已达上限": "this order has too many attachments",
    "内容不能超过 {limit} 个字": "the text is longer than {limit} characters",
    "未知的区“{code}”": "unknown district “{code}”",
    "未知的街道“{code}”": "unknown street “{code}”",
    "街道 {street} 不属于 {district}": "street {street} is not in district {district}",
    "纬度和经度须同时填写或同时不填": "give both latitude and longitude, or neither",
    "纬度或经度超出范围": "latitude or longitude out of range",
    "工单 {number} 已被他人修改，请刷新后重试": (
        "work order {number} was changed by someone else at the same time; reload it and try again"
    ),
    "未知的操作“{code}”": "unknown action “{code}”",
    "“{action}”由系统自动办理，不能手动操作": "an order is {action} by the system, not by hand",
    "请选择承办单位": "choose the responsible unit",
    "“{answer}”不是 1、2 或 3": "“{answer}” is not 1, 2 or 3",
    "申请延期须说明理由": "an extension request needs its reason",
    "延期须为 1 至 {longest} 个工作日": "an extension is 1 to {longest} working days",
    "请至少填写一个附件网址": "give at least one attachment URL",
    "未知的满意度“{code}”": "unknown satisfaction “{code}”",
    "联合审定已确定由 {unit} 承办工单 {number}，补充新情况前不能再次退回": (
        "a joint determination made {unit} responsible for work order {number}; it cannot be "
        "returned again unless new facts are recorded"
    ),
    "工单 {number} 没有可延长的答复期限": "work order {number} has no reply deadline to extend",
    "工单不能合并到自身": "an order cannot be merged into itself",
    "工单 {number} 当前状态为“{status}”，请合并到未办结的工单": (
        "work order {number} is “{status}”: merge into an open order"
    ),
    "工单 {number} 已有重复工单并入，不能再合并到其他工单": (
        "work order {number} has duplicates merged into it"
    ),
    "工单 {number} 已有重复工单并入，不能撤销": (
        "work order {number} has duplicates merged into it; it cannot be cancelled"
    ),
    "请填写答复内容": "a reply needs text",
    "退回须说明理由": "a return needs its reason",
    "联合审定须说明理由": "a joint determination needs its reasons",
    "请说明撤销理由": "say why the order is cancelled",
    "请描述新情况": "describe the new facts",
    "规则须指定分类、区或街道中的至少一项": (
        "a rule needs a category, a district or a street to match"
    ),
    "规则须指定承办单位": "a rule needs the unit it assigns to",
    "顺序须在 0 到 9999 之间": "position must be between 0 and 9999",
    "{day} 本来就按平常安排": "{day} is an ordinary day already",
    "请选择单位": "choose a unit",
    "“{phone}”不是电话号码": "“{phone}” is not a phone number",
    "“{email}”不是电子邮件地址": "“{email}” is not an e-mail address",
    "没有编号为 {id} 的派单规则": "no assignment rule {id}",
    "未知或已停用的单位“{code}”": "unknown unit “{code}”",
    "未知的单位“{code}”": "unknown unit “{code}”",
    "该行不是 JSON 对象": "not a JSON object",
    "条目缺少 id": "an article needs an id",
    "id“{id}”须不超过 32 个字符，且不含空格": (
        "id “{id}” must be at most 32 characters, without spaces"
    ),
    "lang 须为 {languages} 之一，不能是“{lang}”": "lang must be one of {languages}, not “{lang}”",
    "valid_until 须晚于 valid_from": "valid_until must be after valid_from",
    "条目缺少 {field}": "an article needs its {field}",
    "{field} 不能超过 {limit} 个字符": "{field} is longer than {limit} characters",
    "{field} 须为文本列表": "{field} must be a list of strings",
    "{field} 的每一项不能超过 {limit} 个字符": "each of {field} must be at most {limit} characters",
    "代码须为文本，不能是 {value}": "codes must be text, not {value}",
    "{field} 须为 ISO 日期，如 2026-12-31": "{field} must be an ISO date such as 2026-12-31",
    "没有条目“{id}”": "no article “{id}”",
    "条目 {id} 已存在，请编辑该条目": "article {id} exists; edit it instead",
    "条目 {id} 已归档": "article {id} is archived",
    "条目 {id} 没有可提交审核的草稿": "article {id} has no draft to submit",
    "条目 {id} 没有待发布的审核版本": "article {id} has nothing under review to publish",
    "条目 {id} 已经归档": "article {id} is archived already",
    "反馈须为 {kinds} 之一": "feedback must be one of {kinds}",
    "条目 {id} 尚未发布": "article {id} is not published",
    "同义词组至少要有两个词": "a synonym group needs at least two words",
    "同义词不能超过 64 个字符": "a synonym is at most 64 characters",
    "没有同义词组“{name}”": "no synonym group “{name}”",
    "工单当前状态为“{status}”，不能{action}": (
        "a work order with the status “{status}” cannot be {action}"
    ),
    "工单已受理，不能再次受理": "a work order cannot be created again",
    "工单尚未受理，不能{action}": "a work order not yet created cannot be {action}",
    "请填写市民的满意度": "give the citizen's satisfaction",
}

CHINESE = {
    **STATUS_LABELS["zh"],
    **{f"channel:{code}": name for code, name in CHANNEL_NAMES.items()},
    "menu:language": "语言选择",
    "menu:main": "主菜单",
    "calendar:source": (
        "官方节假日与调休安排来自 {package} 软件包（{version}，覆盖 {first}–{last} 年）。"
        "下列本地调整（本地节日、台风停工、宣布上班的日子）优先于官方安排。"
    ),
    "calendar:missing_year": (
        "尚无{year}年官方节假日安排：请升级 {package} 软件包（当前 {version}，覆盖 "
        "{first}–{last} 年）并重启服务。升级前，{year}年的承办期限只按周一至周五（及本地调整）"
        "计算，并标为暂定。"
    ),
    **{f"message:{k}": v for k, v in MESSAGE_STATUS_LABELS["zh"].items()},
    **{f"twilio:{code}": refusal.zh for code, refusal in REFUSALS.items()},
    messaging.OPTED_OUT: "该号码已退订短信",
    "error:400": "请求有误",
    "error:400:why": "提交的内容无法处理，请检查后重试。",
    "error:401": "需要登录",
    "error:401:why": "请先登录。",
    "error:403": "无权访问",
    "error:403:why": "您没有权限访问此页面",
    "error:404": "页面不存在",
    "error:404:why": "找不到您要的页面或记录，可能已被删除或地址有误。",
    "error:405": "操作方式不允许",
    "error:405:why": "此页面不支持这种操作方式。",
    "error:409": "操作冲突",
    "error:409:why": "记录已被他人修改，请刷新后重试。",
    "error:413": "内容过大",
    "error:413:why": "提交的内容超过了服务器接受的大小。",
    "error:415": "格式不支持",
    "error:415:why": "提交的内容格式不受支持。",
    "error:422": "无法办理",
    "error:422:why": "提交的内容无法办理。",
    "error:429": "请求过于频繁",
    "error:429:why": "请求过于频繁，请稍后再试。",
    "error:500": "系统错误",
    "error:500:why": "系统出现错误，请稍后再试；问题已记录。",
    "error:502": "上游服务错误",
    "error:502:why": "外部服务暂时无法完成请求，请稍后再试。",
    "error:503": "服务暂不可用",
    "error:503:why": "服务暂时不可用，请稍后再试。",
    "role:agent": "话务员",
    "role:supervisor": "值班长",
    "role:department": "承办单位人员",
    "role:monitor": "第三方监督",
    "role:admin": "系统管理员",
    "available": "置闲",
    "break": "小休",
    "offline": "离线",
    "on_call": "通话中",
    "wrap_up": "整理",
    "reserved": "已预占",
    "ivr": "语音导航中",
    "queued": "排队中",
    "connected": "已接通",
    "completed": "已结束",
    "abandoned": "放弃",
    "failed": "失败",
    "left": "离开队列",
    "scheduled": "待回拨",
    "unreached": "回拨未接通",
    # Work-order lifecycle (issue 5).
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "no_answer": "未接通",
    "no_response": "未回复",
    **{f"action:{code}": name for code, name in ACTION_LABELS["zh"].items()},
    "attachment:intake": "受理附件",
    "attachment:reply": "答复附件",
    "attachment:facts": "补充附件",
    "extension:pending": "待审批",
    "extension:approved": "已批准",
    "extension:denied": "已驳回",
    "by_unit": "按承办单位",
    "by_category": "按分类",
    "by_district": "按区",
    "by_channel": "按渠道",
    "by_day": "按日",
    "by_month": "按月",
    "bulletin_rule": (
        "列出本月有派发工单的承办单位，按按期办结率由高到低排名（相同比率名次相同；"
        "尚无办结或超期工单的不排名），再按满意率；较上月为本月比率减上月比率（百分点）"
    ),
    "star_rule": (
        "本月接听不少于 %d 通且获评价不少于 %d 次的坐席，依次按满意率、一次性解答率、"
        "接听量、平均处理时长（短者优先）排序，取前 %d 名"
    ),
}


def current_language() -> str:
    return session.get("lang", "zh") if request else "zh"


def t(text: str) -> str:
    """``text`` in the user's language (Chinese is the source; status codes map both ways)."""
    if current_language() == "en":
        return ENGLISH.get(text, text)
    return CHINESE.get(text, text)


def failure_reason(error: str) -> str:
    """Why a text failed, in the user's language: a Twilio code with what it means (the
    code kept, for whoever looks it up), else the recorded reason itself."""
    match = TWILIO_CODE.match(error)
    if match is None:
        return t(error)
    code = match.group(1)
    label = f"twilio:{code}"
    return f"{code} {t(label)}" if label in CHINESE else f"{t('Twilio 错误码')} {code}"


def init_app(app: Flask) -> None:
    @app.before_request
    def remember_language():
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            session["lang"] = lang

    app.jinja_env.globals.update(
        t=t,
        current_language=current_language,
        failure_reason=failure_reason,
    )
