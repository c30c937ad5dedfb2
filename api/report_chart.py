"""The 通报's bar chart of points by unit, as inline SVG (no script, prints well).

Each unit's name sits on its own line above its bar, wrapped when it would not fit the
chart's width, so long names show in full at any size: the SVG scales as a whole.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup

from api.formats import format_points
from review.standings import rank_label

WIDTH = 360            # viewBox width; the page shows it at most 480 px wide (app.css)
FONT = 12              # label and value size in viewBox units (app.css: .chart .lbl, .val)
LINE, BAR, GAP = 16, 12, 9
VALUE_ROOM = 64        # room right of the longest bar for its points


def text_width(text: str, size: float = FONT) -> float:
    """An upper estimate of `text`'s width: a CJK character is one em, anything else 0.62 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.62 for ch in text)


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """`text` cut into lines no wider than `width` (by `text_width`)."""
    lines, line = [], ""
    for ch in text:
        if line and text_width(line + ch, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + [line] if line else lines or [""]


def bar_chart(stats: list[dict], top: int = 20) -> Markup:
    """The first `top` units' points as horizontal bars, each labelled with its rank and name."""
    rows = stats[:top]
    if not rows:
        return Markup("")
    peak = max(r["points"] for r in rows) or 1.0
    bar_room = WIDTH - 4 - VALUE_ROOM
    parts, y = [], 4
    for r in rows:
        label = f"{rank_label(r['rank'], r.get('tied', False))}. {r['unit']}"
        lines = wrap(label, WIDTH - 8)
        text = Markup("").join(Markup('<tspan x="4" dy="{}">{}</tspan>').format(0 if i == 0 else LINE, line)
                               for i, line in enumerate(lines))
        parts.append(Markup('<text x="4" y="{}" class="lbl">{}</text>').format(y + FONT, text))
        y += LINE * len(lines)
        width = max(1.0, bar_room * max(r["points"], 0) / peak)
        parts.append(Markup('<rect x="4" y="{}" width="{:.1f}" height="{}" class="bar"><title>{}:{} 分</title></rect>'
                            '<text x="{:.1f}" y="{}" class="val">{}</text>').format(
            y, width, BAR, r["unit"], format_points(r["points"]), 4 + width + 4, y + BAR - 1, format_points(r["points"])))
        y += BAR + GAP
    head = Markup('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="各单位得分排名">').format(WIDTH, y)
    return head + Markup("").join(parts) + Markup("</svg>")
