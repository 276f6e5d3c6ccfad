"""Ruled tables of fixed-height rows, as on a printed form, and splitting rows over pages."""
from dataclasses import dataclass

from .text import draw_text_box


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "left"  # amounts are "right"
    min_size: float | None = None  # shrink long text down to this size before wrapping it


def table_width(columns) -> float:
    return sum(c.width for c in columns)


def draw_header(canvas, x: float, y_top: float, columns, *, font: str, size: float, height: float,
                fill=None) -> float:
    """The title row; returns the y of its bottom edge."""
    y = y_top - height
    if fill is not None:
        canvas.saveState()
        canvas.setFillColor(fill)
        canvas.rect(x, y, table_width(columns), height, stroke=0, fill=1)
        canvas.restoreState()
    cx = x
    for col in columns:
        draw_text_box(canvas, col.title, cx, y, col.width, height, font=font, size=size, align="center")
        cx += col.width
    return y


def draw_rows(canvas, x: float, y_top: float, columns, rows, *, font: str, size: float, row_height: float,
              min_rows: int = 0) -> float:
    """`rows` (sequences of cell strings) below `y_top`, padded with blank rows up to `min_rows`
    so a short receipt still shows the form's ruled lines. Returns the y of the last row's bottom."""
    y = y_top
    count = max(len(rows), min_rows)
    for i in range(count):
        y -= row_height
        if i >= len(rows):
            continue
        cx = x
        for col, cell in zip(columns, rows[i]):
            draw_text_box(canvas, cell, cx, y, col.width, row_height, font=font, size=size,
                          min_size=col.min_size or size, align=col.align, padding=3)
            cx += col.width
    return y


def rule_grid(canvas, x: float, y_top: float, y_bottom: float, columns, *, row_lines=(), line_width: float = 0.5,
              frame_width: float = 1.0, column_rules_to: float | None = None) -> None:
    """The lines of a table: a frame, a horizontal rule at each y of `row_lines`, and column rules
    from the top down to `column_rules_to` (default: the bottom), so summary rows below can span
    the full width."""
    width = table_width(columns)
    canvas.saveState()
    canvas.setLineWidth(line_width)
    for y in row_lines:
        canvas.line(x, y, x + width, y)
    stop = y_bottom if column_rules_to is None else column_rules_to
    cx = x
    for col in columns[:-1]:
        cx += col.width
        canvas.line(cx, y_top, cx, stop)
    canvas.setLineWidth(frame_width)
    canvas.rect(x, y_bottom, width, y_top - y_bottom, stroke=1, fill=0)
    canvas.restoreState()


def paginate(items, per_page: int, first_page: int | None = None) -> list[list]:
    """Split `items` into pages of `per_page` (the first page may hold `first_page`); always at
    least one page, so an empty document still prints its form."""
    items = list(items)
    first = per_page if first_page is None else first_page
    pages = [items[:first]]
    rest = items[first:]
    while rest:
        pages.append(rest[:per_page])
        rest = rest[per_page:]
    return pages
