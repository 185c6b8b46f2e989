"""Inline SVG charts: numbers in the accessible description, bar lengths in proportion, text escaped."""

import re

from survey.charts import CHAR_WIDTH, LABEL_CHARS, VALUE_WIDTH, WIDTH, Bar, bar_chart, pyramid


def test_bar_lengths_are_proportional_and_described():
    svg = bar_chart("Categories", [Bar("Expert", 30, "30 (60 %)"), Bar("Master", 15, "15 (30 %)"),
                                   Bar("None", 5, "5 (10 %)", highlight=True)])
    rects = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', str(svg))]
    span = WIDTH - rects[0][0] - VALUE_WIDTH
    assert [w for _x, w in rects] == [span, span / 2, round(span / 6, 1)]
    assert "<desc>Expert: 30 (60 %); Master: 15 (30 %); None: 5 (10 %)</desc>" in svg
    assert 'role="img"' in svg and "#b00020" in svg


def test_labels_are_escaped():
    svg = str(bar_chart("<b>t</b>", [Bar("<script>alert(1)</script>", 1, "1")]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_empty_and_zero_charts_do_not_divide_by_zero():
    assert "<svg" in bar_chart("Nothing", [])
    assert 'width="0.0"' in bar_chart("Zero", [Bar("A", 0, "0")])
    assert "<svg" in pyramid("Ages", [("under 30", 0, 0)], "Men", "Women")


def test_pyramid_has_oldest_band_on_top():
    svg = str(pyramid("Ages", [("under 30", 2, 8), ("60+", 1, 3)], "Men", "Women"))
    body = svg.split("</desc>")[1]
    assert body.index("60+") < body.index("under 30")
    assert "<desc>under 30: Men 2, Women 8; 60+: Men 1, Women 3</desc>" in svg


def test_long_labels_wrap_and_the_label_column_holds_them():
    """Issue 14 (8): "Профессиональное теоретическое обучение" ran off the chart's left edge."""
    long = "Профессиональное теоретическое обучение"
    svg = str(bar_chart("Coverage", [Bar(long, 10, "10 / 12", highlight=True), Bar("Химия", 6, "6 / 6")]))
    lines = re.findall(r'<tspan x="([\d.]+)" y="([\d.]+)">([^<]*)</tspan>', svg)
    assert [text for _x, _y, text in lines] == ["Профессиональное", "теоретическое обучение", "Химия"]
    assert all(len(text) <= LABEL_CHARS for _x, _y, text in lines)
    label_right = float(lines[0][0])  # labels end here (text-anchor end): the longest line must fit left of it
    assert label_right >= len("теоретическое обучение") * CHAR_WIDTH
    first_bar, second_bar = [float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)"', svg)]
    assert second_bar - first_bar >= 2 * 15  # the two-line label gets a taller row


def test_column_chart_groups_series_by_label():
    from survey.charts import column_chart

    svg = str(column_chart("Rates", ["2026", "2027"], [("Demand", [10, 20], ["10", "20"]),
                                                       ("Supply", [5, -1], ["5", "-1"])]))
    heights = [float(h) for h in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', svg)]
    assert heights == [14.0, 14.0, 80.0, 40.0, 160.0, 0.0]  # legend; 160 px for the largest value; none below 0
    assert "<desc>2026: Demand 10, Supply 5; 2027: Demand 20, Supply -1</desc>" in svg
    assert "<title>&lt;b&gt;</title>" in str(column_chart("<b>", [], []))  # escaped; nothing to divide by
