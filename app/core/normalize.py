"""One text normaliser, used on both sides of every comparison (content and buyer messages)."""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


# Platform emoticon codes: 旺旺 "/:Q", "/:012", "/:^_^"; bracket codes "[微笑]" "[大哭]" of 千牛/抖店/微信.
_EMOTICON = re.compile(r"\[[\u3400-\u9fffA-Za-z]{1,4}\]|/:[^\s\u3400-\u9fff\[/]{1,6}")
# Emoji, pictographs, dingbats, box drawing (kaomoji like o(╥﹏╥)o), joiners and variation selectors.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\u200b-\u200f\u2060-\u206f\ufe00-\ufe0f\u20d0-\u20ff\U000e0000-\U000e007f"
    "]+"
)
# After NFKC most punctuation is ASCII; the CJK ones that survive NFKC are listed explicitly.
_PUNCT = r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~、。〈〉《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟・…‥·～"""
_REPEATED_PUNCT = re.compile(f"([{_PUNCT}])[{_PUNCT}]+")
_SPACES = re.compile(r"\s+")


class Normalizer:
    """NFKC (full-width → half-width), emoji and emoticon codes removed, 繁→简, lower case,
    repeated punctuation collapsed, white space folded.

    The Traditional→Simplified converter is injected so that building it stays out of import time.
    """

    def __init__(self, converter: _Converter | None = None) -> None:
        if converter is None:
            import opencc  # heavy-ish: loaded when a Normalizer is built, not when this module is imported

            converter = opencc.OpenCC("t2s")
        self._converter = converter

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        text = _EMOTICON.sub(" ", text)
        text = _EMOJI.sub(" ", text)
        text = self._converter.convert(text).lower()
        text = _REPEATED_PUNCT.sub(r"\1", text)
        return _SPACES.sub(" ", text).strip()


_PUNCT_OR_SPACE = re.compile(f"[{_PUNCT}\\s]+")
# Order, tracking and phone numbers say nothing about intent, but their digits would match other
# numbers digit by digit; each becomes one placeholder character.
_LONG_NUMBER = re.compile(r"[a-z]{0,4}\d{6,}[a-z]{0,2}")


def strip_punctuation(normalized: str) -> str:
    """The bare text used for comparison: punctuation and spaces removed, long numbers folded to "#"."""
    return _LONG_NUMBER.sub("#", _PUNCT_OR_SPACE.sub("", normalized))
