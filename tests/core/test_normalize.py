import pytest

from app.core.normalize import strip_punctuation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, lower case
        ("請問我的包裹怎麼還沒到", "请问我的包裹怎么还没到"),  # 繁 → 简
        ("碎了😭😭🙏", "碎了"),  # emoji
        ("亲/:Q 拦截一下/:012", "亲 拦截一下"),  # 旺旺 emoticon codes
        ("好的[微笑][大哭]", "好的"),  # bracket emoticon codes
        ("到哪了？？？！！！", "到哪了?"),  # repeated punctuation collapsed (full-width folded first)
        ("  在吗\n\t 老板  ", "在吗 老板"),  # white space folded
        ("👍🏻✌️1️⃣", "1"),  # skin tones, variation selectors, keycaps
        ("o(╥﹏╥)o", "o( _ )o"),  # box-drawing kaomoji parts removed
    ],
)
def test_normalize(normalizer, raw, expected):
    assert normalizer(raw) == expected


@pytest.mark.parametrize("raw", ["請問我的包裹怎麼還沒到？？", "ＳＦ１２３ 😭 /:Q", "", "   ", "亲！！！在吗～～"])
def test_normalize_is_idempotent(normalizer, raw):
    once = normalizer(raw)
    assert normalizer(once) == once


def test_strip_punctuation_removes_spaces_and_marks():
    assert strip_punctuation("碎 了, 一个!") == "碎了一个"
