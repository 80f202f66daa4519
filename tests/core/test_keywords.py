from app.core.content.models import Keyword, Source
from app.core.keywords import KeywordIndex


def kw(text, intent="x", weight=1.0):
    return Keyword(text, text, intent, weight, Source("intents/x.yaml", 1))


INDEX = KeywordIndex(
    [kw("碎"), kw("碎了"), kw("碎成渣"), kw("少了一件", "missing"), kw("发票", "invoice"), kw("少件", "missing")]
)


def found(text):
    return [(h.keyword.text, h.start, h.negated) for h in INDEX.find(text)]


def test_longest_match_at_each_position_without_overlap():
    assert found("杯子碎成渣了还少了一件") == [("碎成渣", 2, False), ("少了一件", 7, False)]


def test_negations_deny_the_keyword():
    assert found("没碎") == [("碎", 1, True)]
    assert found("没有碎") == [("碎", 2, True)]
    assert found("不是少件") == [("少件", 2, True)]
    assert found("不用开发票") == [("发票", 3, False)]  # 开 stands between: not denied
    assert found("不用发票") == [("发票", 2, True)]


def test_a_not_a_questions_are_not_denials():
    assert found("有没有少件") == [("少件", 3, False)]
    assert found("是不是少件") == [("少件", 3, False)]
    assert found("碎不碎") == [("碎", 0, False), ("碎", 2, False)]


def test_empty_index_finds_nothing():
    assert KeywordIndex([]).find("碎了") == []


GAPPED = KeywordIndex(
    [kw("什么时候~发货", "eta"), kw("发货", "other"), kw("拦截", "intercept"), kw("更换~地址", "address")]
)


def test_a_gapped_keyword_allows_a_few_characters_between_its_parts():
    assert [(h.keyword.text, h.start, h.end) for h in GAPPED.find("什么时候可以发货")] == [("什么时候~发货", 0, 8)]
    assert [(h.keyword.text, h.start) for h in GAPPED.find("什么时候发货")] == [("什么时候~发货", 0)]
    assert [(h.keyword.text, h.start) for h in GAPPED.find("我想更换一下配送地址")] == [("更换~地址", 2)]
    # More than four characters between: the parts are two words, not the phrase.
    assert [h.keyword.text for h in GAPPED.find("什么时候呢我想知道发货")] == ["发货"]
    # Leftmost-longest across both kinds: the gapped phrase covers the plain keyword inside it.
    assert [h.keyword.text for h in GAPPED.find("什么时候能发货 拦截")] == ["什么时候~发货", "拦截"]


def test_more_negators_deny_and_a_not_a_still_asks():
    assert [(h.keyword.text, h.negated) for h in GAPPED.find("不要拦截了")] == [("拦截", True)]
    assert [(h.keyword.text, h.negated) for h in GAPPED.find("不需要拦截")] == [("拦截", True)]
    assert [(h.keyword.text, h.negated) for h in GAPPED.find("要不要拦截")] == [("拦截", False)]
    assert [(h.keyword.text, h.negated) for h in GAPPED.find("需不需要拦截")] == [("拦截", False)]


def test_a_negator_in_a_gap_denies_and_the_tightest_phrase_wins():
    index = KeywordIndex([kw("地址~改", "address"), kw("啥时候~送到", "chase"), kw("啥时候~发货", "eta")])
    assert [(h.keyword.text, h.negated) for h in index.find("地址不用改了")] == [("地址~改", True)]
    assert [(h.keyword.text, h.negated) for h in index.find("地址帮我改一下")] == [("地址~改", False)]
    assert [h.keyword.text for h in index.find("啥时候送到啊都发货好久了")] == ["啥时候~送到"]
    assert [(h.keyword.text, h.negated) for h in GAPPED.find("别给我拦截")] == [("拦截", True)]


def test_an_a_not_a_question_in_a_gap_still_asks():
    index = KeywordIndex([kw("明天~发出", "eta")])
    assert [(h.keyword.text, h.negated) for h in index.find("明天能不能发出")] == [("明天~发出", False)]
    assert [(h.keyword.text, h.negated) for h in index.find("明天不发出")] == [("明天~发出", True)]
    # A negator elsewhere in the gap denies something else: "不对" is not "不改".
    other = KeywordIndex([kw("电话~改一下", "address")])
    assert [(h.keyword.text, h.negated) for h in other.find("电话不对要改一下")] == [("电话~改一下", False)]


def test_a_keyword_is_found_even_when_a_longer_one_starts_the_same_and_fails():
    index = KeywordIndex([kw("申请退款", "refund"), kw("我申请退款了", "refund")])
    assert [(h.keyword.text, h.start) for h in index.find("帮我申请退款")] == [("申请退款", 2)]
    assert [(h.keyword.text, h.start) for h in index.find("我申请退款了")] == [("我申请退款了", 0)]
