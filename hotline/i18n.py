"""The console speaks Chinese first; English is one click away (?lang=en, kept in the session)."""

from __future__ import annotations

from flask import Flask, request, session

LANGUAGES = ("zh", "en")

# Chinese text -> English. Templates write Chinese and wrap it in t().
ENGLISH = {
    "12345 政务服务便民热线": "12345 Government Service Hotline",
    "登录": "Log in",
    "退出": "Log out",
    "用户名": "Username",
    "密码": "Password",
    "用户名或密码错误": "Wrong username or password",
    "请先登录": "Please log in first",
    "您没有权限访问此页面": "You may not open this page",
    "坐席工作台": "Agent console",
    "值班长": "Supervisor desk",
    "承办单位": "Department portal",
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
    "一次性解答率": "First-contact resolution",
    "按承办单位": "By unit",
    "暂无工单": "No work orders",
    "无": "none",
    "操作成功": "Done",
    "new": "New",
    "dispatched": "Dispatched",
    "signed": "Signed for",
    "in_progress": "In progress",
    "replied": "Replied",
    "callback": "Callback",
    "closed": "Closed",
}

CHINESE = {
    "new": "待分派",
    "dispatched": "已派发",
    "signed": "已签收",
    "in_progress": "办理中",
    "replied": "已答复",
    "callback": "回访中",
    "closed": "已办结",
    "available": "置闲",
    "break": "小休",
    "offline": "离线",
    "on_call": "通话中",
    "wrap_up": "整理",
    "reserved": "已预占",
}


def current_language() -> str:
    return session.get("lang", "zh") if request else "zh"


def t(text: str) -> str:
    """``text`` in the user's language (Chinese is the source; status codes map both ways)."""
    if current_language() == "en":
        return ENGLISH.get(text, text)
    return CHINESE.get(text, text)


def init_app(app: Flask) -> None:
    @app.before_request
    def remember_language():
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            session["lang"] = lang

    app.jinja_env.globals.update(t=t, current_language=current_language)
