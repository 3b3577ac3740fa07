"""The one SVG bar chart: what a screen reader and a reader of the page get from it."""

from decimal import Decimal
from xml.etree import ElementTree

from core.charts import Series, svg_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)


def test_a_chart_is_an_image_titled_for_screen_readers_with_every_text_escaped():
    chart = svg_bar_chart(
        title="Trámites <por> canal",
        labels=["Cabina & web"],
        series=[Series(name="", color="#000", values=[3], texts=["3 <d>"])],
        top=3,
    )
    svg = _parse(chart)
    assert svg.get("role") == "img" and svg.get("aria-label") == "Trámites <por> canal"
    assert svg.find(f"{SVG}title").text == "Trámites <por> canal"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["Cabina & web", "3 <d>"]
    assert [t.text for t in svg.iter(f"{SVG}title")][1:] == ["Cabina & web: 3 <d>"]


def test_bars_are_scaled_to_the_top_value_and_cut_at_it():
    chart = svg_bar_chart(
        title="Porcentaje",
        labels=["a", "b", "c"],
        series=[Series(name="", color="#111", values=[50, Decimal("150"), -5], texts=["", "", ""])],
        top=100,
        track=True,
    )
    bars = [r for r in _parse(chart).iter(f"{SVG}rect") if r.get("fill") == "#111"]
    widths = [float(r.get("width")) for r in bars]
    assert widths == [205.0, 410.0, 0.0]  # the plot is 410 px wide next to 170 px of labels


def test_several_series_get_a_legend_and_one_bar_each_per_row():
    chart = svg_bar_chart(
        title="Cómo siguieron cada episodio",
        labels=["Episodio 1", "Episodio 2"],
        series=[
            Series(name="Vio en la web", color="#a00", values=[1, 2], texts=["1", "2"]),
            Series(name="Vio en TV", color="#00a", values=[2, 0], texts=["2", "0"]),
        ],
        top=2,
    )
    svg = _parse(chart)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["Vio en la web", "Vio en TV", "Episodio 1", "Episodio 2"]
    tips = [t.text for t in svg.iter(f"{SVG}title")][1:]
    assert tips == [
        "Episodio 1 · Vio en la web: 1",
        "Episodio 1 · Vio en TV: 2",
        "Episodio 2 · Vio en la web: 2",
        "Episodio 2 · Vio en TV: 0",
    ]
