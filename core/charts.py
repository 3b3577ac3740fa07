"""The one SVG chart of the house: horizontal bars drawn on the server, no script and no outside
asset. Every chart has a <title> (and an aria-label) for screen readers; the pages repeat its
numbers in a table. One series draws one thick bar per row with its value written after it;
several series draw one thin bar each per row, under a legend."""

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
GAP = 8
BAR = 22  # one series
THIN = 10  # one of several series (9 px bar, 1 px apart)
LEGEND = 24
TRACK = "#e5e7eb"


@dataclass(frozen=True)
class Series:
    name: str  # in the legend and the tooltips when there are several series
    color: str
    values: list[float]
    texts: list[str]  # how each value reads: after the bar (one series) and in its tooltip


def svg_bar_chart(
    *,
    title: str,
    labels: list[str],
    series: list[Series],
    top: float,
    label_width: int = 170,
    track: bool = False,
) -> SafeString:
    """Rows of bars scaled so that `top` fills the width (larger values are cut at it). With
    `track`, a grey bar behind each shows the whole width (a percentage chart)."""
    width = WIDTH - label_width - 60
    step = BAR if len(series) == 1 else THIN
    row_h = len(series) * step + GAP
    head = (LEGEND if len(series) > 1 else 0) + GAP
    height = head + max(1, len(labels)) * row_h
    parts = [
        f'<svg role="img" class="chart" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" style="max-width:{WIDTH}px" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if len(series) > 1:
        parts += _legend(series, x=label_width)
    for i, label in enumerate(labels):
        y = head + i * row_h
        parts.append(
            f'<text x="{label_width - 6}" y="{y + (row_h - GAP) / 2 + 4:.1f}" '
            f'text-anchor="end" font-size="13" fill="currentColor">{escape(label)}</text>'
        )
        for j, one in enumerate(series):
            parts += _bar(one, i, label, x=label_width, y=y + j * step, width=width, top=top,
                          several=len(series) > 1, track=track)  # fmt: skip
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _legend(series: list[Series], *, x: int) -> list[str]:
    parts = []
    for one in series:
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{one.color}"/>'
            f'<text x="{x + 16}" y="16" font-size="13" fill="currentColor">'
            f"{escape(one.name)}</text>"
        )
        x += 150
    return parts


def _bar(one: Series, i: int, label: str, *, x, y, width, top, several, track) -> list[str]:
    height = THIN - 1 if several else BAR
    w = max(0.0, min(float(top), float(one.values[i]))) * width / (float(top) or 1.0)
    tip = f"{label} · {one.name}: {one.texts[i]}" if several else f"{label}: {one.texts[i]}"
    parts = []
    if track:
        parts.append(f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{TRACK}"/>')
    parts.append(
        f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{height}" fill="{one.color}">'
        f"<title>{escape(tip)}</title></rect>"
    )
    if not several:
        after = x + (width if track else w) + 6
        parts.append(
            f'<text x="{after:.1f}" y="{y + BAR * 0.7:.1f}" font-size="13" '
            f'fill="currentColor">{escape(one.texts[i])}</text>'
        )
    return parts
