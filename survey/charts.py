"""Small charts as inline SVG, drawn on the server: no CDN, no JavaScript, print on A4.

Each chart is an accessible image (role="img", a <title> and a <desc> that lists the numbers), so a screen
reader gets the figures and a printed page looks like the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 190  # the pyramid's age bands
LABEL_CHARS = 28  # a bar chart's label wraps after this many characters
CHAR_WIDTH = 7.8  # one character of a 13 px label, generously (the server cannot measure the browser's font)
LINE_HEIGHT = 15
VALUE_WIDTH = 70
WIDTH = 560
PALETTE = ("#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#b45309", "#0e7490", "#be123c", "#4d7c0f", "#6b7280")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # what the bar's length shows
    text: str  # what is written beside it (e.g. "12 (34 %)")
    highlight: bool = False


def _svg(title: str, height: int, body: list[str], description: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>" + "".join(body) + "</svg>"
    )


def _lines(label: str, width: int = LABEL_CHARS) -> list[str]:
    """A label broken at spaces into lines of at most ``width`` characters (a longer word keeps its own line)."""
    lines: list[str] = []
    line = ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines or [""]


def bar_chart(title: str, bars: list[Bar], maximum: float | None = None) -> Markup:
    """Horizontal bars, one per row, scaled to ``maximum`` (default: the largest value). The label column is as
    wide as the longest label line (long labels wrap onto a second line), so no label runs off the left edge."""
    top = maximum if maximum is not None else max((b.value for b in bars), default=0)
    wrapped = [_lines(bar.label) for bar in bars]
    longest = max((len(line) for lines in wrapped for line in lines), default=0)
    label_width = min(max(round(longest * CHAR_WIDTH) + 12, 60), WIDTH // 2)
    span = WIDTH - label_width - VALUE_WIDTH
    body = []
    y = 0
    for bar, lines in zip(bars, wrapped):
        row = max(BAR_HEIGHT, len(lines) * LINE_HEIGHT + 4)
        bar_y = y + (row - BAR_HEIGHT) / 2
        first = y + row / 2 - (len(lines) - 1) * LINE_HEIGHT / 2 + 4.5  # baselines centred on the row
        label = "".join(f'<tspan x="{label_width - 6}" y="{first + index * LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
                        for index, line in enumerate(lines))
        length = max(span * bar.value / top if top else 0, 0)
        colour = "#b00020" if bar.highlight else PALETTE[0]
        body.append(
            f'<text text-anchor="end" font-size="13">{label}</text>'
            f'<rect x="{label_width}" y="{bar_y:.1f}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{colour}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{bar_y + BAR_HEIGHT * 0.7:.1f}" font-size="13">'
            f"{escape(bar.text)}</text>"
        )
        y += row + GAP
    height = max(y, BAR_HEIGHT + GAP)
    description = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return _svg(title, height, body, description)


def pyramid(title: str, rows: list[tuple[str, int, int]], left_label: str, right_label: str) -> Markup:
    """An age pyramid: (band, men, women) rows, oldest on top; band names on the left, then men's bars growing
    left from the centre line and women's growing right."""
    label_width = LABEL_WIDTH
    centre = label_width + (WIDTH - label_width) / 2
    longest = (WIDTH - label_width) / 2 - 36  # leave room for the numbers
    top = max((max(m, w) for _, m, w in rows), default=0)
    body = [
        f'<text x="{centre - 4}" y="14" text-anchor="end" font-size="13" font-weight="bold">{escape(left_label)}</text>',
        f'<text x="{centre + 4}" y="14" font-size="13" font-weight="bold">{escape(right_label)}</text>',
    ]
    for index, (band, men, women) in enumerate(reversed(rows)):
        y = 24 + index * (BAR_HEIGHT + GAP)
        text_y = f"{y + BAR_HEIGHT * 0.7:.1f}"
        men_length = longest * men / top if top else 0
        women_length = longest * women / top if top else 0
        body.append(
            f'<text x="{label_width - 6}" y="{text_y}" text-anchor="end" font-size="13">{escape(band)}</text>'
            f'<rect x="{centre - men_length:.1f}" y="{y}" width="{men_length:.1f}" height="{BAR_HEIGHT}" fill="{PALETTE[0]}"/>'
            f'<text x="{centre - men_length - 4:.1f}" y="{text_y}" text-anchor="end" font-size="13">{men}</text>'
            f'<rect x="{centre + 1}" y="{y}" width="{women_length:.1f}" height="{BAR_HEIGHT}" fill="{PALETTE[1]}"/>'
            f'<text x="{centre + women_length + 5:.1f}" y="{text_y}" font-size="13">{women}</text>'
        )
    height = 24 + max(len(rows), 1) * (BAR_HEIGHT + GAP)
    description = "; ".join(f"{band}: {left_label} {men}, {right_label} {women}" for band, men, women in rows)
    return _svg(title, height, body, description)


def column_chart(title: str, labels: list[str], series: list[tuple[str, list[float], list[str]]]) -> Markup:
    """Vertical bars grouped by label (years, say), one colour per series of (name, values, texts), a legend on
    top and each bar's text above it. Negative values are drawn as nothing (their text still says them)."""
    top = max((value for _, values, _ in series for value in values), default=0)
    chart_top, chart_bottom = 40, 200
    group = (WIDTH - 20) / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    body = []
    for index, (name, _, _) in enumerate(series):
        x = 10 + index * 150
        body.append(f'<rect x="{x}" y="4" width="14" height="14" fill="{PALETTE[index % len(PALETTE)]}"/>'
                    f'<text x="{x + 18}" y="16" font-size="13">{escape(name)}</text>')
    for position, label in enumerate(labels):
        left = 10 + position * group + group * 0.1
        for index, (_, values, texts) in enumerate(series):
            value = max(values[position], 0)
            height = (chart_bottom - chart_top) * value / top if top else 0
            x = left + index * bar
            body.append(f'<rect x="{x:.1f}" y="{chart_bottom - height:.1f}" width="{bar * 0.9:.1f}" '
                        f'height="{height:.1f}" fill="{PALETTE[index % len(PALETTE)]}"/>'
                        f'<text x="{x + bar * 0.45:.1f}" y="{chart_bottom - height - 4:.1f}" text-anchor="middle" '
                        f'font-size="11">{escape(texts[position])}</text>')
        body.append(f'<text x="{left + group * 0.4:.1f}" y="{chart_bottom + 18}" text-anchor="middle" '
                    f'font-size="13">{escape(label)}</text>')
    description = "; ".join(f"{label}: " + ", ".join(f"{name} {texts[position]}" for name, _, texts in series)
                            for position, label in enumerate(labels))
    return _svg(title, chart_bottom + 26, body, description)
