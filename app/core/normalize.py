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
_MAX_CONVERSIONS = 4  # two passes reach the fixed point for every entry of OpenCC's t2s dictionaries


class Normalizer:
    """NFKC (full-width → half-width), emoji and emoticon codes removed, 繁→简, lower case,
    repeated punctuation collapsed, white space folded.

    The Traditional→Simplified converter is injected so that building it stays out of import time.
    """

    def __init__(self, converter: _Converter | None = None) -> None:
        self.standard = converter is None  # normalises the same in every process: what it produced may be cached
        if converter is None:
            import opencc  # heavy-ish: loaded when a Normalizer is built, not when this module is imported

            converter = opencc.OpenCC("t2s")
        self._converter = converter

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text)
        text = _EMOTICON.sub(" ", text)
        text = _EMOJI.sub(" ", text)
        text = self._simplify(text).lower()
        text = _REPEATED_PUNCT.sub(r"\1", text)
        text = _EMOTICON.sub(" ", text)  # collapsing "[-微笑]" to "[微笑]" can form a code
        return _SPACES.sub(" ", text).strip()

    def _simplify(self, text: str) -> str:
        """繁→简 until nothing changes: one OpenCC t2s pass is not a fixed point (薴 → 苧 → 苎, and the phrase
        畢昇 → 毕昇 keeps a 昇 that alone becomes 升), and the message and the content must meet in one form."""
        for _ in range(_MAX_CONVERSIONS):
            converted = self._converter.convert(text)
            if converted == text:
                break
            text = converted
        return text


_PUNCT_OR_SPACE = re.compile(f"[{_PUNCT}\\s]+")
# Order, tracking and phone numbers say nothing about intent, but their digits would match other
# numbers digit by digit; each becomes one placeholder character.
_LONG_NUMBER = re.compile(r"[a-z]{0,4}\d{6,}[a-z]{0,2}")


def strip_punctuation(normalized: str) -> str:
    """The bare text used for comparison: punctuation and spaces removed, long numbers folded to "＃".

    The placeholder is the full-width sign: NFKC turns every "＃" of a normalised text into "#", which is
    punctuation and removed here, so "＃" only ever stands for a number and survives a second pass."""
    return _LONG_NUMBER.sub("＃", _PUNCT_OR_SPACE.sub("", normalized))
