"""Plain-text rendering shared by transports: aligned tables that survive emoji and wide characters."""

from __future__ import annotations

import unicodedata

from commands.model import Table, plain


def display_width(text: str) -> int:
    total = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def render_table(table: Table, marker: str = "> ") -> list[str]:
    cells = [[plain(c) for c in row] for row in table.rows]
    widths = [max([display_width(col)] + [display_width(r[i]) for r in cells]) for i, col in enumerate(table.columns)]
    numeric = table.numeric or tuple(False for _ in table.columns)

    def line(values: list[str], marker: str) -> str:
        return (marker + "  ".join(_pad(v, widths[i], numeric[i]) for i, v in enumerate(values))).rstrip()

    out = [line(list(table.columns), " " * len(marker)), line(["-" * w for w in widths], " " * len(marker))]
    for i, row in enumerate(cells):
        out.append(line(row, marker if i == table.highlight else " " * len(marker)))
    if table.note:
        out.append(" " * len(marker) + table.note)
    return out
