"""Personal data out of text that is published: the one masking function.

``mask`` replaces phone numbers in every writing (spaces, dashes, dots, +86, full-width
digits, Chinese numerals), ID numbers, licence plates, room / unit / building numbers,
WeChat and QQ ids, e-mail addresses, bank cards, full names before 先生/女士 and the names
passed in with ``***``. It leaves alone what the public may read: ticket numbers
(20261126-000123), dates and times, amounts, street names without a house number, and
the article numbers of laws.

Policy for forms of address: a surname alone before 先生/女士/小姐 (张先生) is kept, as it
identifies nobody; a full name before them (张三丰先生) keeps only its surname (张**先生).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
# Full-width digits, letters, + and @ as ASCII; the rest of the text keeps its punctuation.
_FULL_WIDTH = {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code - 0xFEE0).isalnum()
}
_FULL_WIDTH.update({0xFF0B: ord("+"), 0xFF20: ord("@"), 0xFF0D: ord("-"), 0xFF0E: ord(".")})

# Chinese numerals as phone digits (幺 and 两 as callers say 1 and 2).
_CN_DIGITS = "零〇一二三四五六七八九幺两"
_CN_VALUE = dict(zip(_CN_DIGITS, "0012345678912", strict=True))
_DIGIT = rf"[0-9{_CN_DIGITS}]"
_SEP = r"[\s\-.·．、_/]?"

# A mainland mobile: 1[3-9] then 9 digits, any separator between digits, +86 / 0086 first.
_MOBILE = re.compile(
    rf"(?<![0-9{_CN_DIGITS}])(?:(?:\+|00)?86{_SEP})?[1一幺](?:{_SEP}{_DIGIT}){{10}}"
    rf"(?![0-9{_CN_DIGITS}])"
)
# A landline: area code 0xx(x) then 7 or 8 digits, or (020) 8765 4321; +86 20 …
_LANDLINE = re.compile(
    rf"(?<![0-9{_CN_DIGITS}])(?:(?:\+|00)86{_SEP}|[0零〇](?=[1-9一二三四五六七八九幺两]))"
    rf"{_DIGIT}{{1,3}}\)?{_SEP}{_DIGIT}{{3,4}}{_SEP}{_DIGIT}{{4}}(?![0-9{_CN_DIGITS}])"
    r"|\(0\d{2,3}\)\s?\d{3,4}[\s\-]?\d{4}"
)
# A local number said after a phone word: 电话8765 4321.
_LOCAL_PHONE = re.compile(
    rf"((?:电话|手机|座机|热线|号码|联系|tel|phone)[:：\s是为]*){_DIGIT}(?:{_SEP}{_DIGIT}){{6,7}}"
    rf"(?![0-9{_CN_DIGITS}])",
    re.IGNORECASE,
)
_ID_NUMBER = re.compile(
    r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?!\d)"
)
_BANK_CARD = re.compile(r"(?<![\d-])(?:\d{4}[\s-]?){3,4}\d{1,4}(?![\d-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-Z][\s·.-]?(?:[A-Z0-9]{{6}}|[A-Z0-9]{{4}}[A-Z0-9挂学警港澳])"
    r"(?![A-Za-z0-9])"
)
_NUMBER = r"[0-9A-Za-z一二三四五六七八九十百零〇两]+"
# A building, unit, floor or room: 3栋502房, 2单元, 1号楼, 502室, 8座, 12楼, B座1203.
_PREMISES = re.compile(
    rf"{_NUMBER}(?:-{_NUMBER})?\s?(?:栋|幢|座|单元|号楼|楼|层|室|房|号房|户)"
    rf"(?:\s?{_NUMBER}(?:-{_NUMBER})?\s?(?:栋|幢|座|单元|号楼|楼|层|室|房|号房|户)?)*"
)
# A house number after a road: 中山路123号 (the road itself stays).
_HOUSE_NUMBER = re.compile(rf"(?<=[路街道巷弄里村东西南北中])({_NUMBER}(?:-{_NUMBER})?)号(?!楼|线)")
_WECHAT = re.compile(
    r"((?:微信|威信|薇信|(?<![A-Za-z])(?:weixin|wechat|wx|vx)|v信|V信)(?:号|id|ID)?[:：\s是为]*)"
    r"([A-Za-z][-_A-Za-z0-9]{4,19}|\d{5,20})",
    re.IGNORECASE,
)
_QQ = re.compile(
    r"((?:(?<![A-Za-z])QQ|扣扣|企鹅)(?:号|号码)?[:：\s是为]*)\d{5,11}(?!\d)", re.IGNORECASE
)
# Common surnames: a full name before 先生/女士 starts with one (请张先生 is not a name 请张).
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤欧区麦温岑卓庞古骆冼植"
)
_FULL_NAME = re.compile(rf"([{_SURNAMES}])([\u4e00-\u9fff]{{1,2}})(?=先生|女士|小姐|同志)")
# Words that come before 先生/女士 but are not the rest of a name (王老先生, 这位女士).
_NOT_NAME = set("老这那位该此某")


def mask(text: str, known_names: Iterable[str] = ()) -> str:
    """``text`` with its personal data replaced by ``***`` (see the module's policy)."""
    if not text:
        return text
    text = text.translate(_FULL_WIDTH)  # full-width digits and letters as ASCII
    for name in known_names:
        for pattern in _name_patterns(name):
            text = pattern.sub(MASK, text)
    text = _EMAIL.sub(MASK, text)
    text = _WECHAT.sub(lambda m: m.group(1) + MASK, text)
    text = _QQ.sub(lambda m: m.group(1) + MASK, text)
    text = _ID_NUMBER.sub(MASK, text)
    text = _BANK_CARD.sub(_bank_card, text)
    text = _MOBILE.sub(MASK, text)
    text = _LANDLINE.sub(MASK, text)
    text = _LOCAL_PHONE.sub(lambda m: m.group(1) + MASK, text)
    text = _PLATE.sub(MASK, text)
    text = _PREMISES.sub(_premises, text)
    text = _HOUSE_NUMBER.sub(MASK + "号", text)
    return _FULL_NAME.sub(_full_name, text)


def _bank_card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    # 16 to 19 digits; a ticket number (8 digits, dash, 6) never has this shape.
    return MASK if 16 <= len(digits) <= 19 else match.group()


def _premises(match: re.Match) -> str:
    return (
        MASK
        if re.search(r"[0-9A-Za-z一二三四五六七八九十百零〇两]", match.group())
        else match.group()
    )


def _full_name(match: re.Match) -> str:
    surname, rest = match.group(1), match.group(2)
    if rest[0] in _NOT_NAME or surname in _NOT_NAME:
        return match.group()
    return surname + "**"


def _name_patterns(name: str) -> list[re.Pattern]:
    """A known name in any case and spacing, its words in either order ("John Smith",
    "JOHN SMITH", "JohnSmith", "Smith, John")."""
    words = [re.escape(word) for word in name.translate(_FULL_WIDTH).split()]
    if len("".join(words)) < 2:  # a lone surname would mask every word it starts
        return []
    orders = [words, words[::-1]] if len(words) > 1 else [words]
    return [re.compile("|".join(r"[\s,]*".join(parts) for parts in orders), re.IGNORECASE)]
