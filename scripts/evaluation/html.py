"""A self-contained HTML page of the evaluation: the figures, per-intent precision and recall as bars, the
confusion matrix as a heat map. No script, no external file: it opens from disk and prints."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from scripts.evaluation.metrics import Scores, pct, rate
from scripts.evaluation.replay import SessionScores

_STYLE = """
body{font:14px/1.45 system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 6px;text-align:right;font-variant-numeric:tabular-nums}
th{font-weight:600}td.l,th.l{text-align:left}.cm td{width:34px;height:24px;font-size:12px;border:1px solid #eee}
.cm th.c{writing-mode:vertical-rl;transform:rotate(180deg);font-size:12px;font-weight:400;height:110px}
.fig{display:inline-block;margin:4px 18px 4px 0;padding:8px 12px;background:#f6f7f9;border-radius:6px}
.fig b{display:block;font-size:20px}.ok{color:#14733a}.bad{color:#b3261e}.note{color:#666;font-size:12px}
"""


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    scores: Scores
    baseline: Scores | None
    labels: list[str]
    sessions: SessionScores | None = None
    targets: tuple[float, float] | None = None  # (top-1 over the eight ≥, out-of-scope → eight ≤)


def page(title: str, sections: list[Section], note: str) -> str:
    body = [f"<h1>{escape(title)}</h1><p class=note>{escape(note)}</p>"]
    for s in sections:
        body.append(_section(s))
    return f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title><style>{_STYLE}</style>{''.join(body)}"


def _figure(label: str, value: str, good: bool | None = None) -> str:
    cls = "" if good is None else (" class=ok" if good else " class=bad")
    return f"<div class=fig>{escape(label)}<b{cls}>{escape(value)}</b></div>"


def _section(s: Section) -> str:
    core, oos = s.scores.core(), s.scores.out_of_scope()
    ok_core = ok_oos = None
    if s.targets is not None:
        ok_core, ok_oos = rate(core) >= s.targets[0], rate(oos) <= s.targets[1]
    out = [f"<h2>{escape(s.title)}</h2>", f"<p class=note>{s.scores.n} messages</p>"]
    out.append(_figure("top-1 over the eight 八个意图首选正确", pct(core), ok_core))
    out.append(_figure("out-of-scope given one of the eight 范围外被判为八个之一", pct(oos), ok_oos))
    out.append(_figure("no-request messages given any intent 无诉求消息被判为意图", pct(s.scores.none_given_any())))
    if s.baseline is not None:
        out.append(
            _figure(
                "baseline top-1 / out-of-scope 基线",
                f"{rate(s.baseline.core()):.1%} / {rate(s.baseline.out_of_scope()):.1%}",
            )
        )
    if s.sessions is not None:
        ss = s.sessions
        out.append(
            _figure(
                "sessions: first intent shown right 会话首个意图正确",
                pct((ss.first_right, ss.sessions)),
                rate((ss.first_right, ss.sessions)) >= 0.85,
            )
        )
        out.append(_figure("turns showing a wrong intent 显示错误意图的轮次", pct((ss.wrong_turns, ss.shown_turns))))
    out.append("<h3>Per intent 各意图 precision / recall</h3>" + _bars(s.scores, s.labels))
    out.append("<h3>Confusion matrix 混淆矩阵 (rows gold 行=标注, columns predicted 列=预测)</h3>")
    out.append(_matrix(s.scores, s.labels))
    return "".join(out)


def _bars(scores: Scores, labels: list[str]) -> str:
    rows = scores.per_label(labels)
    width, bar, height = 720, 200, 20
    svg = [
        f'<svg width="{width}" height="{height * len(rows) + 24}" role="img" aria-label="precision and recall">',
        '<text x="200" y="12" font-size="11">precision</text><text x="460" y="12" font-size="11">recall</text>',
    ]
    for i, r in enumerate(rows):
        y = 20 + i * height
        svg.append(f'<text x="0" y="{y + 13}" font-size="12">{escape(r.label)} ({r.support})</text>')
        for x0, value, colour in ((200, r.precision, "#4a78c2"), (460, r.recall, "#2e9e5b")):
            if value is None:
                continue
            svg.append(
                f'<rect x="{x0}" y="{y + 2}" width="{value * bar:.1f}" height="{height - 6}" fill="{colour}"/>'
                f'<text x="{x0 + value * bar + 3:.1f}" y="{y + 13}" font-size="11">{value:.0%}</text>'
            )
    svg.append("</svg>")
    return "".join(svg)


def _matrix(scores: Scores, labels: list[str]) -> str:
    confusion = scores.confusion()
    present = [lab for lab in labels if any(confusion[(lab, p)] or confusion[(p, lab)] for p in labels)]
    head = "".join(f"<th class=c>{escape(lab)}</th>" for lab in present)
    rows = [f"<table class=cm><tr><th></th>{head}</tr>"]
    for g in present:
        total = sum(confusion[(g, p)] for p in present) or 1
        cells = []
        for p in present:
            n = confusion[(g, p)]
            share = n / total
            colour = f"rgba(46,158,91,{share:.2f})" if g == p else f"rgba(179,38,30,{min(1, share * 1.5):.2f})"
            cells.append(f'<td style="background:{colour if n else "#fff"}">{n or ""}</td>')
        rows.append(f"<tr><th class=l>{escape(g)}</th>{''.join(cells)}</tr>")
    rows.append("</table>")
    return "".join(rows)
