"""The coaches' charts (Seguimiento), drawn by core's one SVG chart helper."""

from dataclasses import dataclass

from django.utils.safestring import SafeString

from core.charts import Series, svg_bar_chart

COLORS = {"web": "#1f6f43", "downloaded": "#b45309", "tv": "#1d4ed8", "value": "#1f6f43"}


@dataclass
class Bar:
    label: str
    value: float  # 0..100
    text: str


def percent_bars(*, title: str, bars: list[Bar]) -> SafeString:
    """One horizontal bar per item, 0-100 %."""
    series = Series(
        name="", color=COLORS["value"], values=[b.value for b in bars], texts=[b.text for b in bars]
    )
    return svg_bar_chart(
        title=title, labels=[b.label for b in bars], series=[series], top=100, track=True
    )


def grouped_bars(
    *, title: str, labels: list[str], series: dict[str, list[int]], names: dict[str, str]
) -> SafeString:
    """Per item, one bar per series (web, download, TV), scaled to the largest value."""
    top = max([1] + [v for values in series.values() for v in values])
    return svg_bar_chart(
        title=title,
        labels=labels,
        series=[
            Series(name=names[key], color=COLORS[key], values=vs, texts=[str(v) for v in vs])
            for key, vs in series.items()
        ],
        top=top,
    )
