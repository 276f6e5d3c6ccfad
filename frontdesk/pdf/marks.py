"""Marks drawn over a page: a large diagonal stamp (作废) and a small boxed seal-style mark (补打)."""
import math

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth

from .text import clean

STAMP_RED = Color(0.80, 0.07, 0.07)


def draw_diagonal_stamp(canvas, text, page_width: float, page_height: float, *, font: str,
                        color=STAMP_RED, alpha: float = 0.45, size: float | None = None) -> None:
    """`text` in large letters, framed, across the middle of the page along its diagonal.

    Translucent, so what it covers stays readable: a voided receipt must still show what it was."""
    text = clean(text)
    angle = math.degrees(math.atan2(page_height, page_width))
    diagonal = math.hypot(page_width, page_height)
    if size is None:
        # about half the diagonal, with letters spaced half a character apart
        size = diagonal * 0.5 / (len(text) * 1.5 or 1)
    spacing = size * 0.5
    width = stringWidth(text, font, size) + spacing * (len(text) - 1)
    pad = size * 0.25
    canvas.saveState()
    canvas.translate(page_width / 2, page_height / 2)
    canvas.rotate(angle)
    canvas.setFillColor(color, alpha=alpha)
    canvas.setStrokeColor(color, alpha=alpha)
    t = canvas.beginText(-width / 2, -size * 0.35)
    t.setFont(font, size)
    t.setCharSpace(spacing)
    t.textOut(text)
    canvas.drawText(t)
    canvas.setLineWidth(size * 0.06)
    canvas.rect(-width / 2 - pad, -size * 0.35 - pad, width + 2 * pad, size * 1.05 + pad, stroke=1, fill=0)
    canvas.restoreState()


def draw_boxed_mark(canvas, text, x: float, y: float, *, font: str, size: float, color=STAMP_RED,
                    angle: float = 0.0, alpha: float = 0.9) -> tuple[float, float]:
    """A small seal-like mark: `text` in a double frame, centred on (x, y) and turned by `angle`
    degrees. Returns its (width, height)."""
    text = clean(text)
    spacing = size * 0.3
    width = stringWidth(text, font, size) + spacing * (len(text) - 1)
    pad = size * 0.35
    box_w, box_h = width + 2 * pad, size * 1.1 + 2 * pad * 0.6
    canvas.saveState()
    canvas.translate(x, y)
    canvas.rotate(angle)
    canvas.setFillColor(color, alpha=alpha)
    canvas.setStrokeColor(color, alpha=alpha)
    t = canvas.beginText(-width / 2, -size * 0.36)
    t.setFont(font, size)
    t.setCharSpace(spacing)
    t.textOut(text)
    canvas.drawText(t)
    canvas.setLineWidth(size * 0.08)
    canvas.rect(-box_w / 2, -box_h / 2, box_w, box_h, stroke=1, fill=0)
    canvas.setLineWidth(size * 0.03)
    inset = size * 0.12
    canvas.rect(-box_w / 2 + inset, -box_h / 2 + inset, box_w - 2 * inset, box_h - 2 * inset, stroke=1, fill=0)
    canvas.restoreState()
    return box_w, box_h
