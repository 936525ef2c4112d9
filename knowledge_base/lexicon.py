"""The hotline's own vocabulary: words for the segmenter, dialect forms, stop words, synonyms.

Plain data, kept in code so that the index needs no file or database to analyse text.
"""

from __future__ import annotations

# Terms of the trade that jieba's general dictionary splits or does not know; a word that
# stays whole matches as one term instead of as unrelated halves.
HOTLINE_WORDS = (
    "12345",
    "公积金",
    "住房公积金",
    "社保卡",
    "医保卡",
    "医保码",
    "社会保险",
    "养老保险",
    "医疗保险",
    "失业保险",
    "工伤保险",
    "生育保险",
    "生育津贴",
    "失业金",
    "养老金",
    "退休金",
    "居住证",
    "暂住证",
    "积分入户",
    "人才引进",
    "港澳通行证",
    "往来台湾通行证",
    "签注",
    "不动产权证",
    "房产证",
    "网签",
    "契税",
    "首付",
    "商贷",
    "公贷",
    "组合贷",
    "摇号",
    "中小客车指标",
    "增量指标",
    "车辆年检",
    "驾驶证",
    "行驶证",
    "违章停车",
    "羊城通",
    "地铁",
    "网约车",
    "共享单车",
    "违法建设",
    "违章建筑",
    "占道经营",
    "井盖",
    "路灯",
    "内涝",
    "水浸",
    "停水",
    "停电",
    "燃气",
    "管道燃气",
    "液化气",
    "噪音扰民",
    "广场舞",
    "油烟",
    "黑臭水体",
    "垃圾分类",
    "厨余垃圾",
    "餐饮油烟",
    "消费投诉",
    "七天无理由退货",
    "预付卡",
    "最低工资",
    "欠薪",
    "劳动仲裁",
    "经济补偿",
    "年休假",
    "产假",
    "陪产假",
    "低保",
    "残疾证",
    "高龄津贴",
    "长寿保健金",
    "法律援助",
    "学位",
    "小一",
    "义务教育",
    "预防接种",
    "登革热",
    "12333",
    "12315",
    "12319",
)

# Cantonese as spoken to the hotline, written as callers and speech recognition write it,
# rewritten to Mandarin after traditional -> simplified conversion (so keys are simplified).
# Longer forms come first where one contains another.
DIALECT = (
    ("系唔系", "是不是"),
    ("系咪", "是不是"),
    ("点算好", "怎么办"),
    ("点算", "怎么办"),
    ("点样", "怎么"),
    ("点解", "为什么"),
    ("边个", "哪个"),
    ("边度", "哪里"),
    ("边间", "哪家"),
    ("几多钱", "多少钱"),
    ("几多", "多少"),
    ("而家", "现在"),
    ("屋企", "家里"),
    ("老细", "老板"),
    ("人工", "工资"),
    ("执笠", "倒闭"),
    ("走佬", "跑路"),
    ("闩门", "关门"),
    ("打风", "台风"),
    ("跳表", "打表"),
    ("唔使", "不用"),
    ("唔肯", "不肯"),
    ("唔得", "不行"),
    ("冇人", "没人"),
    ("冇", "没有"),
    ("唔", "不"),
    ("咗", "了"),
    ("嘅", "的"),
    ("哋", "们"),
    ("啲", "些"),
    ("喺", "在"),
    ("嚟", "来"),
    ("佢", "他"),
    ("睇", "看"),
    ("搵", "找"),
    ("畀", "给"),
    ("俾", "给"),
    ("掟", "扔"),
    ("揿", "按"),
    ("饭𩠌", "饭菜"),
    ("𠮶阵", "时候"),
    ("蚊", "元"),
)


def _words(text: str) -> list[str]:
    return text.split()


# Words that say nothing about the topic: greetings, fillers of speech, function words.
# They are dropped from word terms (character pairs keep the rest of the sentence honest).
CHINESE_STOPWORDS = frozenset(
    _words(
        """
    喂 你好 您好 嗯 呃 啊 哦 哈 呀 吧 吗 呢 嘛 啦 咯 了 的 地 得 着 过 和 与 及 或 跟 同 在 是
    有 没 不 也 都 就 还 又 再 才 很 太 好 要 会 能 可以 可 想 我 我们 你 你们 他 她 他们 她们
    它 这 那 这个 那个 这些 那些 这样 那样 这边 那边 这里 那里 这种 那种 什么 怎么 怎样 怎么样
    如何 为什么 多少 几 哪 哪个 哪里 谁 是不是 能不能 可不可以 有没有 请问 问 问一下 一下 一个
    是这样 是这样的 就是 然后 还是 但是 所以 因为 如果 而且 一直 已经 现在 今天 刚刚 刚才 之前
    以后 后来 时候 东西 事情 问题 情况 一点 有点 觉得 知道 说 讲 告诉 让 给 把 被 对 对于 关于
    到 从 向 去 来 上 下 里 中 个 些 点 家 人 事 为 用 做 搞 弄 办 找 帮 帮忙 麻烦 谢谢
    """
    )
)

ENGLISH_STOPWORDS = frozenset(
    _words(
        """
    a an the and or but if of to in on at by for with from into about as is are was were be been
    being am do does did doing have has had having i me my mine we our you your he him his she her
    it its they them their this that these those there here what which who whom whose when where
    why how can could will would shall should may might must not no yes so than then too very just
    only also any some all each every both few more most other such own same again once up down out
    over under off after before while during until s t don didn isn aren wasn weren won get got
    please hi hello thanks thank want need know tell last next ago one two day days week month year
    """
    )
)

# Synonym groups the hotline starts with; supervisors edit them (the database then holds
# the groups). Each group lists words that callers use for the same thing.
DEFAULT_SYNONYMS = (
    ("社会保险", "社保"),
    ("医疗保险", "医保"),
    ("养老保险", "养老险"),
    ("生育保险", "生育险"),
    ("工伤保险", "工伤险"),
    ("失业保险", "失业险"),
    ("住房公积金", "公积金"),
    ("居住证", "暂住证"),
    ("养老金", "退休金", "退休工资", "养老钱"),
    ("工资", "薪水", "工钱", "薪资", "薪酬", "人工"),
    ("老板", "雇主", "包工头"),
    ("辞退", "解雇", "开除", "炒鱿鱼", "裁员"),
    ("欠薪", "拖欠工资", "欠工资", "不发工资"),
    ("房产证", "房本", "不动产权证", "房地产权证", "红本"),
    ("过户", "转移登记"),
    ("房东", "出租人"),
    ("租客", "承租人", "租户"),
    ("押金", "按金"),
    ("户口", "户籍"),
    ("落户", "入户", "迁户口"),
    ("身份证", "居民身份证"),
    ("驾驶证", "驾照", "车牌驾照"),
    ("出租车", "的士", "计程车"),
    ("公交车", "公交", "巴士"),
    ("地铁", "轨道交通"),
    ("燃气", "煤气", "天然气", "管道气"),
    ("液化气", "煤气罐", "液化石油气"),
    ("停电", "断电", "没电"),
    ("停水", "断水", "没水"),
    ("噪音", "噪声"),
    ("违法建设", "违章建筑", "违建", "乱搭建"),
    ("占道经营", "摆摊", "地摊", "走鬼", "小贩"),
    ("城管", "城市管理"),
    ("小孩", "孩子", "小朋友", "子女", "儿童"),
    ("老人", "老年人", "长者"),
    ("低保", "最低生活保障", "生活补助"),
    ("残疾证", "残疾人证"),
    ("狗", "犬", "犬只"),
    ("小一", "小学一年级"),
    ("学位", "入学"),
    ("诈骗", "骗子", "骗钱"),
    ("传销", "发展下线"),
    ("医闹", "医疗纠纷"),
    ("退货", "退款"),
    ("发票", "开票"),
    ("台风", "打风"),
    ("去世", "过世", "离世", "死亡", "身故", "病故"),
    ("生育", "生孩子", "生小孩", "坐月子", "分娩"),
    ("遗失", "丢失", "丢了", "不见了", "弄丢"),
    ("补办", "补领", "重新办"),
    ("坑洼", "坑洞", "窟窿", "大坑"),
    ("过期", "过了保质期", "变质"),
    ("卫生", "不干净", "蟑螂", "老鼠"),
    ("火灾", "起火", "着火", "失火"),
    ("易燃易爆", "烟花爆竹", "鞭炮", "炸药"),
    ("开裂", "裂缝", "裂开"),
    ("培训机构", "培训班", "补习班", "辅导班", "兴趣班"),
    ("退费", "退钱", "退学费"),
    ("欺诈", "以旧充新", "以次充好", "假货"),
    ("野生动物", "野味", "保护动物"),
    ("涨租", "加租", "涨房租"),
    ("房租", "租金", "交租"),
    ("小卖部", "士多", "便利店"),
    ("辞职", "离职", "跳槽"),
    ("工伤", "因工受伤", "上班受伤"),
    ("结婚登记", "领结婚证", "领证"),
    ("看病", "就医", "就诊"),
    ("visa", "签证"),
    ("passport", "护照"),
    ("licence", "license"),
    ("apartment", "flat"),
    ("taxi", "cab"),
    ("job", "employment", "work"),
    ("resign", "quit", "leave"),
)
