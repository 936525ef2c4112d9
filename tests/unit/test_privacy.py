"""The one masking function: personal data out, ticket numbers, dates and amounts kept."""

import pytest

from workorders.privacy import MASK, mask

# (text, the secret part that must not survive)
PERSONAL = [
    ("我的电话13812345678", "13812345678"),
    ("手机 138 1234 5678 请回电", "1234 5678"),
    ("电话138-1234-5678", "1234-5678"),
    ("号码是138.1234.5678", "1234.5678"),
    ("+86 138 1234 5678", "1234 5678"),
    ("+8613812345678", "13812345678"),
    ("0086-13812345678", "13812345678"),
    ("联系１３８１２３４５６７８", "１３８１２３４５６７８"),
    ("电话一三八一二三四五六七八", "一三八一二三四五六七八"),
    ("打幺三八幺二三四五六七八找我", "幺三八幺二三四五六七八"),
    ("一三八 一二三四 五六七八", "一二三四 五六七八"),
    ("139/1234/5678", "1234/5678"),
    ("座机020-87654321", "87654321"),
    ("座机 (020) 8765 4321", "8765 4321"),
    ("0755 8888 9999 转分机", "8888 9999"),
    ("+86 20 8765 4321", "8765 4321"),
    ("电话：87654321", "87654321"),
    ("身份证440106199001011234", "440106199001011234"),
    ("身份证号44010619900101123X", "44010619900101123X"),
    ("证件44010619900101123x已遗失", "44010619900101123x"),
    ("车牌粤A12345乱停", "A12345"),
    ("粤A·12345堵住消防通道", "12345"),
    ("新能源车粤AD12345", "AD12345"),
    ("京B12345挂牌", "B12345"),
    ("粤AF1234学车", "AF1234"),
    ("住3栋502房", "502"),
    ("天河北路100号3栋502房漏水", "502"),
    ("2单元楼上噪音", "2单元"),
    ("1号楼电梯坏了", "1号楼"),
    ("502室楼上漏水", "502室"),
    ("B座1203装修", "1203"),
    ("中山大道西123号门口", "123号"),
    ("住在五栋三零二房", "三零二房"),
    ("微信wxid_abc12345加我", "wxid_abc12345"),
    ("微信号：zhang_san88", "zhang_san88"),
    ("加vx ab12345678", "ab12345678"),
    ("wx: LiSi2026", "LiSi2026"),
    ("QQ 12345678", "12345678"),
    ("qq号：987654321", "987654321"),
    ("扣扣 5566778", "5566778"),
    ("邮箱zhang.san@example.com", "zhang.san@example.com"),
    ("邮件 LI@163.COM 回复", "LI@163.COM"),
    ("退款到卡6222 0212 3456 7890 123", "6222 0212 3456 7890 123"),
    ("银行卡6222021234567890123", "6222021234567890123"),
    ("我是张三丰先生", "三丰"),
    ("找李小龙女士", "小龙"),
    ("王伟先生反映", "王伟"),
    ("陈大文小姐来电", "大文"),
    ("我叫李大华", "李大华"),
    ("ZHANG SANFENG called", "ZHANG SANFENG"),
    ("Sanfeng Zhang called", "Sanfeng Zhang"),
    ("phone 13912345678 please", "13912345678"),
]
KNOWN = ("李大华", "Zhang Sanfeng")

# Text the public may read: it must come out exactly as it went in.
PUBLIC = [
    "工单20261126-000123已办结",
    "并入20261201-000045",
    "2026-12-01 10:30 来电",
    "12月1日上午办理",
    "2026年12月1日前答复",
    "10:30至11:45停水",
    "罚款500元",
    "补贴1,380.50元",
    "退还3800元押金",
    "天河区石牌路口",
    "中山大道西井盖缺失",
    "越秀区北京路步行街",
    "依据《中华人民共和国劳动法》第四十四条",
    "《民法典》第一千一百六十五条",
    "第12条第3款",
    "地铁3号线出口",
    "张先生反映噪音",
    "李女士来电",
    "王老先生行动不便",
    "这位女士说路灯坏了",
    "请拨打12345热线",
    "2026/12/01",
    "共3次来电",
    "2026年第48周",
]


@pytest.mark.parametrize(("text", "secret"), PERSONAL)
def test_personal_data_is_masked(text, secret):
    masked = mask(text, KNOWN)
    assert secret not in masked
    assert secret.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}) not in masked
    assert MASK in masked or "**" in masked


@pytest.mark.parametrize("text", PUBLIC)
def test_public_text_is_left_alone(text):
    assert mask(text, KNOWN) == text


def test_a_surname_alone_is_not_a_known_name():
    assert mask("李先生说李子熟了", ("李",)) == "李先生说李子熟了"


def test_a_full_name_keeps_its_surname_and_form_of_address():
    assert mask("张三丰先生") == "张**先生"


def test_the_street_stays_when_the_house_number_goes():
    assert mask("天河北路100号3栋502房") == "天河北路***号***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证44010619900101123X", "身份证***"),
        ("身份证440106199001011234", "身份证***"),
        ("退款到卡6222 0212 3456 7890 123", "退款到卡***"),
        ("住3栋502房", "住***"),
        ("车牌粤A12345乱停", "车牌***乱停"),
        ("微信wxid_abc12345加我", "微信***加我"),
        ("QQ 12345678", "QQ ***"),
        ("电话138.1234.5678。", "电话***。"),
        ("座机020-87654321", "座机***"),
    ],
)
def test_the_whole_secret_becomes_one_mask(text, expected):
    assert mask(text) == expected
