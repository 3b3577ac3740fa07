"""Server-rendered SVG bar charts for the coaches' view: no script, no outside library. Each
chart has a <title>/<desc> and the page repeats its numbers in a table for screen readers."""

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR = 22
GAP = 8
LABEL_W = 170
CHART_W = 640
COLORS = {"web": "#1f6f43", "downloaded": "#b45309", "tv": "#1d4ed8", "value": "#1f6f43"}


@dataclass
class Bar:
    label: str
    value: float  # 0..100 for percent charts; a count for grouped charts
    text: str


def percent_bars(*, title: str, bars: list[Bar]) -> SafeString:
    """One horizontal bar per item, 0-100 %."""
    height = max(1, len(bars)) * (BAR + GAP) + GAP
    width = CHART_W - LABEL_W - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_W} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR + GAP)
        w = max(0.0, min(100.0, bar.value)) * width / 100
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + BAR * 0.7:.1f}" text-anchor="end" font-size="13">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{LABEL_W}" y="{y}" width="{width}" height="{BAR}" fill="#e5e7eb"/>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{COLORS["value"]}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
            f'<text x="{LABEL_W + width + 6}" y="{y + BAR * 0.7:.1f}" font-size="13">'
            f"{escape(bar.text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped


def grouped_bars(
    *, title: str, labels: list[str], series: dict[str, list[int]], names: dict[str, str]
) -> SafeString:
    """Per item, one bar per series (web, download, TV), scaled to the largest value."""
    top = max([1] + [v for values in series.values() for v in values])
    group_h = len(series) * 10 + GAP
    legend_h = 24
    height = legend_h + max(1, len(labels)) * group_h + GAP
    width = CHART_W - LABEL_W - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_W} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    x = LABEL_W
    for key in series:
        parts.append(
            f'<rect x="{x}" y="6" width="12" height="12" fill="{COLORS[key]}"/>'
            f'<text x="{x + 16}" y="16" font-size="13">{escape(names[key])}</text>'
        )
        x += 150
    for i, label in enumerate(labels):
        y = legend_h + i * group_h
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + group_h / 2 + 3:.1f}" text-anchor="end" '
            f'font-size="13">{escape(label)}</text>'
        )
        for j, (key, values) in enumerate(series.items()):
            w = values[i] * width / top
            parts.append(
                f'<rect x="{LABEL_W}" y="{y + j * 10}" width="{w:.1f}" height="9" '
                f'fill="{COLORS[key]}"><title>{escape(label)} · {escape(names[key])}: '
                f"{values[i]}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
