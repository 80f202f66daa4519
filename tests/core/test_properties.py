"""Property-based tests (Hypothesis) of the text pipeline: normaliser, tokenizer, matcher/engine and masking.

Every test is derandomised and uses no example database, so a CI run tests exactly the same inputs each
time and writes nothing into the checkout. Known counterexamples are pinned with ``@example``.
"""

from __future__ import annotations

import math
import time
from datetime import date, datetime

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from app.core.clock import SHOP_TZ
from app.core.content.models import NONE_INTENT
from app.core.decision import Status
from app.core.normalize import strip_punctuation
from app.core.privacy import _id_number, mask
from app.core.tokenize import STOPWORDS


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None)


# ---------------------------------------------------------------------------------------------- strategies

# Characters the code under test treats specially, so that random text hits its branches far more often
# than uniformly drawn code points would: simplified and traditional Chinese, the address markers and
# labels of privacy.py, Latin letters, white space of every kind, control and zero-width characters,
# combining marks, emoticon-code punctuation, full-width forms and emoji.
_DOMAIN = (
    "我的快递破了退货换款少发错拦截地址改收到没有亲在吗怎么还请问包裹一件"
    "請問包裹還沒到麼發貨這個東西壞乾昇畢"
    "省市区县镇旗盟路街道巷号楼室弄栋单元村组小区花园广场座"
    "收货件人姓名联系寄电话订单身份证张三丰王五微笑大哭"
    "aAbBqQxXzZoO"
    " \t\n\r\u3000\u00a0\x00\x1f\x85\u2028\u200b\u200d\u2060\ufe0f\u20e3\u0301\u0307"
    "!?,.:;/[]【】()（）~～…、。，！？：；-－—_#＃+＋*'\"\\"
    "ＡＢＣａｂｃＸｘİßẞKΣς"
    "😭🙏👍🏻✌⬆╥﹏"
)
_DIGITS = "0123456789０１２３４５６７８９"
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸＸｘ", "0123456789XXx")
# Pieces that only mean something whole: emoticon codes, addresses, labels, phone prefixes.
_FRAGMENTS = (
    "[微笑]",
    "[大哭]",
    "[ok]",
    "/:Q",
    "/:012",
    "/:^_^",
    "o(╥﹏╥)o",
    "1️⃣",
    "👍🏻",
    "請問",
    "怎麼還沒到",
    "浙江省杭州市西湖区",
    "文三路478号",
    "华星时代广场A座1201",
    "上海市浦东新区",
    "科苑路88弄3号402室",
    "改到杭州市西湖区文三路",
    "上海市张江镇科苑路",
    "华星时代广场A座",
    "号楼",
    "单元",
    "室",
    "收件人:",
    "收货人",
    "姓名：",
    "电话",
    "+86 ",
    "86",
    "订单号",
    "身份证",
    "七天无理由",
    "揽收超时",
)


def _chars(digits: bool = True) -> st.SearchStrategy[str]:
    """One character: often from the domain alphabet, otherwise any code point but a surrogate (the
    "utf-8" codec excludes them; a lone surrogate in a JSON body is refused by the API with a 422)."""
    domain = _DOMAIN + (_DIGITS if digits else "")
    anything = st.characters(codec="utf-8", exclude_characters=None if digits else _DIGITS)
    return st.one_of(st.sampled_from(domain), anything)


def _texts(max_size: int, digits: bool = True) -> st.SearchStrategy[str]:
    """Text built from single characters and whole fragments; also long texts (a piece repeated up to
    ``max_size``), which drawing character by character would make rare and slow."""
    fragments = [f for f in _FRAGMENTS if digits or not any(c in _DIGITS for c in f)]
    piece = st.one_of(st.text(_chars(digits), max_size=12), st.sampled_from(fragments))
    short = st.lists(piece, max_size=8).map("".join)
    long = st.tuples(short, st.integers(1, max_size)).map(lambda t: (t[0] * t[1])[:max_size])
    return st.one_of(short, short, long)


def _render(digits: str, style: str, per_digit: list[bool]) -> str:
    """Write ASCII digits in ASCII, full width, or mixed (``per_digit`` says which are full width)."""

    def wide(c: str) -> str:
        return chr(ord(c) - ord("0") + ord("０")) if c.isdigit() else c

    if style == "ascii":
        return digits
    if style == "fullwidth":
        return "".join(wide(c) for c in digits)
    return "".join(wide(c) if w else c for c, w in zip(digits, per_digit, strict=False))


@st.composite
def _styled(draw: st.DrawFn, digits: str) -> str:
    style = draw(st.sampled_from(["ascii", "fullwidth", "mixed"]))
    return _render(digits, style, draw(st.lists(st.booleans(), min_size=len(digits), max_size=len(digits))))


_SEPARATORS = ("", " ", "-", "－", "\t", "\u3000")  # \u3000: the space a Chinese IME types in full-width mode


@st.composite
def _phones(draw: st.DrawFn) -> tuple[str, str, str]:
    """A mainland mobile as a buyer might type it: (written form, its 11 ASCII digits, its last four as written)."""
    number = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    head, middle, tail = (draw(_styled(part)) for part in (number[:3], number[3:7], number[7:]))
    code = draw(st.sampled_from(["", "86", "+86", "＋86"]))
    if code:
        code = code.replace("86", draw(_styled("86"))) + draw(st.sampled_from(_SEPARATORS))
    sep1, sep2 = draw(st.sampled_from(_SEPARATORS)), draw(st.sampled_from(_SEPARATORS))
    return f"{code}{head}{sep1}{middle}{sep2}{tail}", number, tail


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@st.composite
def _id_numbers(draw: st.DrawFn) -> str:
    """A valid second-generation ID number: region, real birth date, sequence and its check digit."""
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    born = draw(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
    body = f"{region}{born:%Y%m%d}" + draw(st.text("0123456789", min_size=3, max_size=3))
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    if check == "X":
        check = draw(st.sampled_from("XxＸｘ"))
    return draw(_styled(body)) + (draw(_styled(check)) if check.isdigit() else check)


def _digits_only(text: str) -> str:
    """The text with full-width digits made ASCII and the phone separators removed."""
    return "".join(c for c in text.translate(_FULLWIDTH) if c not in _SEPARATORS)


# ---------------------------------------------------------------------------------------------- normaliser


@_settings(400)
@given(_texts(3000))
@example("薴")  # OpenCC t2s maps 薴 → 苧 and 苧 → 苎: one conversion is not a fixed point
@example("畢昇")  # the phrase 畢昇 → 毕昇 keeps 昇, which alone becomes 升
@example("[-微笑]")  # collapsing "[-" to "[" forms an emoticon code only a second pass removes
def test_normalize_never_crashes_and_is_idempotent(normalizer, text):
    once = normalizer(text)
    assert isinstance(once, str)
    assert normalizer(once) == once


@_settings(300)
@given(_texts(3000))
@example("000000")  # found by Hypothesis: the number's placeholder "#" was punctuation, gone on a second pass
def test_strip_punctuation_is_idempotent(normalizer, text):
    bare = strip_punctuation(normalizer(text))
    assert not any(c.isspace() for c in bare)
    assert strip_punctuation(bare) == bare


# ---------------------------------------------------------------------------------------------- tokenizer


def _check_tokens(tokens: list[str], text: str) -> None:
    pos = 0
    for token in tokens:
        assert isinstance(token, str) and token
        assert not any(c.isspace() for c in token)
        assert token not in STOPWORDS
        assert any(c.isalnum() for c in token)  # punctuation-only tokens are dropped
        # jieba cuts the text into pieces that concatenate back to it; the tokens are some of those
        # pieces, so they occur in the text in order and without overlapping.
        at = text.find(token, pos)
        assert at >= 0, (token, text[pos:])
        pos = at + len(token)


@_settings(300)
@given(_texts(3000))
def test_tokens_are_nonempty_ordered_pieces_of_the_text(normalizer, engine, text):
    tokenizer = engine.matcher.tokenizer
    _check_tokens(tokenizer.tokens(text), text)  # raw text: must not crash either
    norm = normalizer(text)
    _check_tokens(tokenizer.tokens(norm), norm)


# ---------------------------------------------------------------------------------------------- matcher / engine

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=SHOP_TZ)
_STATUSES = {Status.MATCHED, Status.AMBIGUOUS, Status.NO_MATCH}


def _check_suggestion(engine, message: str) -> None:  # type: ignore[no-untyped-def]
    suggestion = engine.suggest(message, now=NOW)
    match = suggestion.match
    assert match.status in _STATUSES
    assert match.ranking
    for s in match.ranking:
        assert math.isfinite(s.score) and math.isfinite(s.logit) and math.isfinite(s.similarity)
        assert -1e-9 <= s.score <= 1 + 1e-9
        assert s.intent in engine.catalog.intents
    for s in match.intents:
        assert math.isfinite(s.score) and math.isfinite(s.logit)
        assert s.intent in engine.catalog.intents and s.intent != NONE_INTENT
    if match.status is Status.MATCHED:
        assert match.best is not None and match.best.intent in engine.catalog.intents
        # The intent shown and the script shown always agree.
        assert {x.intent for x in suggestion.scripts} <= {s.intent for s in match.intents}
    elif match.status is Status.AMBIGUOUS:
        # Two close candidates, or one guess: either way a question is asked and nothing is acted on.
        assert 1 <= len(match.intents) <= 2
        assert suggestion.scripts == () and suggestion.triage is not None and suggestion.triage.question is not None
        assert set(suggestion.triage.question.intents) <= {s.intent for s in match.intents}
    else:
        assert match.intents == ()
    for script in suggestion.scripts:
        assert script.intent in engine.catalog.intents


@_settings(300)
@given(_texts(2000).filter(bool))
def test_engine_suggests_for_any_message(engine, message):
    _check_suggestion(engine, message)


@_settings(200)
@given(st.data())
def test_an_example_is_matched_to_a_known_intent_or_to_none(engine, data):
    examples = sorted(
        {
            ex.text
            for intent in engine.catalog.intents.values()
            for ex in (*intent.examples, *intent.negatives, *intent.tests)
        }
    )
    message = data.draw(st.sampled_from(examples), label="example")
    _check_suggestion(engine, message)
    noisy = data.draw(_texts(20), label="before") + message + data.draw(_texts(20), label="after")
    _check_suggestion(engine, noisy)


# ---------------------------------------------------------------------------------------------- masking

_PII = st.one_of(
    _texts(200),
    _phones().map(lambda p: p[0]),
    _id_numbers(),
    st.text("0123456789", min_size=11, max_size=24),
)


@_settings(500)
@given(st.one_of(_texts(3000), st.lists(_PII, max_size=6).map("".join)))
@example("一市路市路")  # found by Hypothesis: "路市" was kept as an administrative part, then masked
@example("哈尔滨市道里区中央大街")  # the same with a real district: 道里区 holds the marker 道
@example("杭州市西湖区翠苑小区3栋")  # ... and 翠苑小区 (a housing estate) stayed visible
@example("杭州市文三路" + "啊" * 29 + "1" + "13812345678")  # the detail's 30-character cut split a digit run
def test_mask_never_crashes_and_is_idempotent(text):
    once = mask(text)
    assert mask(once) == once


def _not_next_to_a_digit(before: str, after: str) -> bool:
    return not (before[-1:] and before[-1] in _DIGITS) and not (after[:1] and after[0] in _DIGITS)


@_settings(500)
@given(_texts(200), _phones(), _texts(200))
@example("", ("1300000\u30000000", "13000000000", "0000"), "")  # found by Hypothesis: U+3000 was no separator
@example("电话", ("１３８　１２３４　５６７８", "13812345678", "５６７８"), "")  # as typed in full-width mode
def test_a_phone_never_survives_masking(before, phone, after):
    written, digits, tail = phone
    # A digit right next to the phone makes it part of a longer digit run (an order number), which must
    # stay intact: such texts are outside this property.
    assume(_not_next_to_a_digit(before, after))
    # The surrounding text must not contain the same 11 digits itself (e.g. inside an order number).
    assume(digits not in _digits_only(before) and digits not in _digits_only(after))
    text = before + written + after
    assert digits in _digits_only(text)  # the check below is not vacuous
    out = mask(text)
    assert digits not in _digits_only(out), out
    assert "****" + tail in out, out  # 138****1234: the last four stay readable


def _order_number(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n).flatmap(_styled)


@_settings(400)
@given(_texts(200, digits=False), st.integers(12, 24).flatmap(_order_number), _texts(200, digits=False))
@example("一市路", "000000000000", "")  # found by Hypothesis: the address detail swallowed the number
@example("改到杭州市文三路订单号", "123456789012345", "")
def test_order_numbers_stay_intact(before, number, after):
    # The surrounding text has no digit (ASCII or full width) at all, so the number stands alone.
    # An 18-digit run that is a valid ID number is masked on purpose; 17 digits followed by an "X" that
    # makes them a valid ID number likewise.
    assume(not _id_number(number) and not _id_number(number + after[:1]))
    out = mask(before + number + after)
    assert number in out, out


@st.composite
def _pdd_order_numbers(draw: st.DrawFn) -> str:
    day = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    return f"{day:%y%m%d}-" + draw(st.text("0123456789", min_size=15, max_size=15))


@_settings(200)
@given(_texts(200, digits=False), _pdd_order_numbers(), _texts(200, digits=False))
@example("一市路", "000101-000000000000000", "")  # found by Hypothesis, as for the plain order numbers
def test_pdd_order_numbers_stay_intact(before, number, after):
    out = mask(before + number + after)  # no digit around the number: see test_order_numbers_stay_intact
    assert number in out, out


@_settings(400)
@given(_texts(200), _id_numbers(), _texts(200))
def test_id_numbers_are_masked(before, id_number, after):
    # Standalone only: a digit right next to it makes a longer digit run; a Latin letter right after it is
    # deliberately read as part of an alphanumeric code (privacy.py's _ID18 lookahead), not an ID card.
    assume(_not_next_to_a_digit(before, after))
    assume(not (after[:1].isascii() and after[:1].isalpha()))
    plain = id_number.translate(_FULLWIDTH).upper()
    assume(plain not in _digits_only(before).upper() and plain not in _digits_only(after).upper())
    text = before + id_number + after
    assert plain in _digits_only(text).upper()  # the check below is not vacuous
    out = mask(text)
    assert id_number not in out, out
    assert plain not in _digits_only(out).upper(), out
    assert "*" * 10 + id_number[-4:] in out, out


def test_mask_is_linear_on_runs_of_administrative_characters():
    """Not a property but its regression: the address pattern re-split "市市市…" every way it could, 3000 of
    them took 12 s (a log line could stall a worker). Now a few milliseconds; the bound is generous."""
    for text in ("市" * 3000, "区县" * 1500, "北京市上海市广州市深圳市杭州市" * 200):
        started = time.perf_counter()
        mask(text)
        assert time.perf_counter() - started < 1.0
