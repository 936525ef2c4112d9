"""What a citizen's text is, and what it gets: the triage a dispatcher would make.

A text is a QUESTION (wants information), a REPORT (tells of a problem: something broken,
dirty, noisy, dangerous, blocked, leaking, unpaid…), a REQUEST (asks for an action), THANKS,
or NONSENSE (empty, a greeting, gibberish). Only a question may be answered from the
knowledge base, and only with confidence; reports and requests open a work order even when
an article is similar, because a report answered with an article is a problem left unfixed.

The features are cue words in simplified and traditional Chinese, Cantonese and English,
found by one left-to-right scan in which the longest cue at a place wins (so 请问 is a
question, not the 请 of a request); the cues that decided are kept as the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

QUESTION, REPORT, REQUEST, THANKS, NONSENSE = "question", "report", "request", "thanks", "nonsense"
KINDS = (QUESTION, REPORT, REQUEST, THANKS, NONSENSE)

# What each kind gets.
ANSWER, WORK_ORDER, WELCOME, HELP = "answer", "work_order", "welcome", "help"

# Kinds of cue besides the five kinds of text: a weak sign of a report (a problem that
# lasts), a procedure (which makes a question about a problem a question), a greeting.
LASTING, PROCEDURE, GREETING = "lasting", "procedure", "greeting"

# Saying no, and the services whose absence is a complaint: 没人清理, 不亮, 冇人整, 未解决.
_NEGATION = r"(?:没有|沒有|没|沒|冇|无|無|不|未|唔)"
_SERVICE = (
    r"(?:处理|處理|打扫|打掃|解决|解決|回复|回覆|跟进|跟進|通知|承认|承認|"
    r"管|理|修|整|清(?!楚)|扫|掃|收|执|執|发|發|退|给|給|亮|通|出|回|接)"
)
_ENGLISH_SERVICE = (
    r"(?:collected|picked up|paid|fixed|repaired|cleaned|working|returned|answered|"
    r"solved|resolved)"
)
# Cues made of parts; at one place they are tried before the words of CUES.
PATTERNS = (
    (REPORT, _NEGATION + r"(?:人)?(?:来|來|嚟)?" + _SERVICE),
    (
        REPORT,
        r"\b(?:hasn't|has not|haven't|have not|isn't|is not|wasn't|not|never|no one|nobody)"
        r"(?: been)? " + _ENGLISH_SERVICE + r"\b",
    ),
    (QUESTION, r"[几幾](?:点|點|号|號|岁|歲|天|个|個|年|月|多|时|時|钟|鐘)"),
    # These ask only with a task after them (谢谢帮忙 thanks, 有什么要求 asks what is
    # required), and 请问, 请教, 麻烦问 ask a question.
    (
        REQUEST,
        r"(?:[帮幫]忙|要求|希望|建议|建議|麻[烦煩](?![问問])|[请請](?![问問教告]))(?=\w)",
    ),
    (GREETING, r"\bhel+o+\b"),
)
# The cues of each kind, separated by spaces; "_" joins the words of an English phrase.
CUES = {
    QUESTION: (
        "吗 嗎 呢 怎 如何 哪 多少 多久 多长 多長 什么 什麼 甚麼 啥 咋 为什么 為什麼 为何 "
        "為何 是否 是不是 能不能 能否 可不可以 有没有 有沒有 有冇 要不要 需不需要 请问 請問 "
        "请教 請教 咨询 諮詢 想问 想問 问一下 問一下 问下 問下 想了解 了解一下 想知道 谁 誰 "
        "点样 點樣 点解 點解 边度 邊度 边个 邊個 几多 幾多 系咪 係咪 可唔可以 得唔得 要唔要 "
        "使唔使 咩 请告诉 請告訴 麻烦问 麻煩問 ? "
        "how what where when which who why can do does is_there are_there should may"
    ),
    REPORT: (
        "坏 壞 损坏 損壞 破损 破損 失灵 失靈 故障 断了 斷了 倒了 歪了 掉下来 掉下來 塌 裂 "
        "松动 鬆動 大坑 坑坑洼洼 漏水 漏气 漏氣 漏电 漏電 渗水 滲水 渗漏 滲漏 泄漏 洩漏 浸 "
        "堵 塞咗 塞住 吵 嘈 噪音 噪声 噪聲 扰民 擾民 臭 异味 異味 怪味 味道很大 煤气味 "
        "煤氣味 脏 髒 污水 油烟 油煙 乱 亂 偷倒 违建 違建 违章 違章 无证 無證 占用 佔用 "
        "占满 佔滿 占道 佔道 挡住 擋住 拖欠 欠薪 停水 停电 停電 没水 沒水 没电 沒電 危险 "
        "危險 隐患 隱患 跑路 走佬 联系不上 聯繫不上 找不到人 投诉 投訴 举报 舉報 骂人 罵人 "
        "态度很差 態度很差 很差 太差 绕路 繞路 过期食品 過期食品 假货 假貨 翻新 睡不着 "
        "睡不著 瞓唔着 瞓唔著 没法睡 沒法睡 没法走 沒法走 没法用 沒法用 停工 超速 发黄 發黃 "
        "满出来 滿出來 有人管 管一下 被拆 撞倒 上不了 反映 有没有人管 有沒有人管 有冇人理 "
        "有冇人管 "
        "broken not_working doesn't_work out_of_order leak leaking flood flooding blocked "
        "clogged noisy noise loud smell smells stinks dirty dumped dumping unpaid refuses "
        "refused dangerous hazard damaged collapsed fallen rude overcharged scam cheated "
        "complain complaint"
    ),
    LASTING: "好几天 好幾天 几天了 幾天了 一直 天天 整晚 半夜 凌晨 很久 好久 成日 for_days",
    REQUEST: (
        "尽快 盡快 派人 帮我 幫我 帮手 幫手 我要申请 我申请 我想申请 我要申請 我申請 "
        "我想申請 我想预约 我想預約 我要预约 我要預約 "
        "please send_someone arrange i'd_like i_would_like we_request i_request call_me"
    ),
    THANKS: ("谢 謝 感谢 感謝 感恩 辛苦了 唔该 唔該 thanks thank_you thx ty cheers appreciate 3q"),
    PROCEDURE: (
        "申请 申請 办理 辦理 手续 手續 材料 流程 条件 條件 政策 规定 規定 标准 標準 补贴 "
        "補貼 基金 报销 報銷 apply application procedure documents rules"
    ),
    GREETING: (
        "你好 您好 你们好 你們好 早上好 晚上好 在吗 在嗎 在不在 在唔在 喂 嗨 哈喽 哈囉 "
        "hi hey test 测试 測試"
    ),
}
# Characters that carry only a sound; a text of nothing else says nothing.
FILLERS = frozenset("哈呵嘿嗯哦噢啊呀额呃唉哎嘻")
# Whole texts that acknowledge without asking or telling anything.
ACKNOWLEDGEMENTS = frozenset({"好", "好的", "ok", "okay", "收到", "知道了", "明白", "嗯嗯"})
# A statement this long (Chinese characters, or English words) that neither asks nor
# thanks tells of something; shorter ones are topics that the knowledge base may answer.
# Chosen on the development half of bench/data/sms_triage.jsonl.
LONG_STATEMENT = 15
LONG_STATEMENT_WORDS = 8
# Latin-only texts of this many words or fewer, with no cue, are too little to act on.
SHORT_LATIN_WORDS = 2

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z']+")


def _cue_pattern(cue: str) -> str:
    """A Latin cue must be whole words; a Chinese one may sit anywhere."""
    escaped = re.escape(cue)
    if cue[0].isascii() and cue[0].isalnum():
        return rf"\b{escaped}\b"
    return escaped


def _scanner() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern of every cue: the composed ones, then the words, longest first."""
    kinds: dict[str, str] = {}
    groups = []
    for number, (kind, pattern) in enumerate(PATTERNS):
        groups.append(f"(?P<p{number}>{pattern})")
        kinds[f"p{number}"] = kind
    words = sorted(
        {(cue.replace("_", " "), kind) for kind, cues in CUES.items() for cue in cues.split()},
        key=lambda item: (-len(item[0]), item[0]),
    )
    for number, (cue, kind) in enumerate(words):
        groups.append(f"(?P<w{number}>{_cue_pattern(cue)})")
        kinds[f"w{number}"] = kind
    return re.compile("|".join(groups)), kinds


_SCANNER, _GROUP_KINDS = _scanner()


@dataclass(frozen=True)
class Triage:
    """The kind of a text and the cues that decided it, for the dispatcher to read."""

    kind: str
    cues: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return f"{self.kind}: {'、'.join(self.cues)}" if self.cues else self.kind


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def cues(text: str) -> list[tuple[str, str]]:
    """(kind, cue) for every cue in ``text``, left to right, the longest at each place."""
    # Every alternative of the scanner is a named group, so a match always names one.
    matches = _SCANNER.finditer(normalise(text))
    return [(_GROUP_KINDS[m.lastgroup or ""], m.group()) for m in matches]


def classify(text: str) -> Triage:
    """What ``text`` is: a question, report, request, thanks or nonsense, and why."""
    normalised = normalise(text)
    letters = [ch for ch in normalised if ch.isalpha()]
    if not letters or all(ch in FILLERS for ch in letters):
        return Triage(NONSENSE)
    if "".join(letters) in ACKNOWLEDGEMENTS:
        return Triage(NONSENSE)
    found: dict[str, list[str]] = {}
    for kind, cue in cues(normalised):
        found.setdefault(kind, []).append(cue)

    def said(*kinds: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for k in kinds for c in found.get(k, ())))

    if REPORT in found:
        # 维修基金怎么申请 asks how to apply, even though it names a leak.
        if QUESTION in found and PROCEDURE in found:
            return Triage(QUESTION, said(QUESTION, PROCEDURE))
        return Triage(REPORT, said(REPORT, LASTING))
    if REQUEST in found:
        return Triage(REQUEST, said(REQUEST))
    if QUESTION in found:
        return Triage(QUESTION, said(QUESTION))
    if THANKS in found:
        return Triage(THANKS, said(THANKS))
    if LASTING in found:
        return Triage(REPORT, said(LASTING))
    characters = len(_CJK.findall(normalised))
    words = len(_LATIN_WORD.findall(normalised))
    if characters == 0 and (GREETING in found or words <= SHORT_LATIN_WORDS):
        return Triage(NONSENSE, said(GREETING))
    if GREETING in found and characters <= sum(len(c) for c in found[GREETING]):
        return Triage(NONSENSE, said(GREETING))
    if characters >= LONG_STATEMENT or words >= LONG_STATEMENT_WORDS:
        return Triage(REPORT, ("a statement that asks nothing",))
    return Triage(QUESTION, ("a topic",))


def route(triage: Triage, confident: bool) -> str:
    """What the text gets: an article only for a question answered with ``confident``."""
    if triage.kind == QUESTION:
        return ANSWER if confident else WORK_ORDER
    if triage.kind in (REPORT, REQUEST):
        return WORK_ORDER
    return WELCOME if triage.kind == THANKS else HELP
