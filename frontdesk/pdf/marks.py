"""Marks drawn over a page: a large diagonal stamp (作废), a small boxed seal-style mark (补打) and a
round seal (公章) with its owner's name around a star."""
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


def draw_round_seal(canvas, name, x: float, y: float, *, font: str, radius: float = 42, color=STAMP_RED,
                    below: str = "", alpha: float = 0.85) -> None:
    """A round seal centred on (x, y): a ring, `name` around the top, a five-pointed star in the
    middle and `below` (专用章) straight under it, in red ink that lets the signature show through."""
    name = clean(name)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.setFillColor(color, alpha=alpha)
    canvas.setStrokeColor(color, alpha=alpha)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(0, 0, radius, stroke=1, fill=0)
    size = min(radius * 0.3, radius * 4.0 / max(len(name), 1))
    sweep = min(240.0, max(len(name), 1) * size / (radius * 0.75) * 57.3)  # degrees the name spans
    for index, char in enumerate(name):
        angle = 90 + sweep / 2 - (index + 0.5) * sweep / len(name)
        canvas.saveState()
        canvas.rotate(angle - 90)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, radius * 0.72 - size * 0.5, char)
        canvas.restoreState()
    star = radius * 0.28
    points = [(star * (1 if i % 2 == 0 else 0.38) * math.cos(math.radians(90 + i * 36)),
               star * (1 if i % 2 == 0 else 0.38) * math.sin(math.radians(90 + i * 36))) for i in range(10)]
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    if below:
        canvas.setFont(font, radius * 0.2)
        canvas.drawCentredString(0, -radius * 0.55, clean(below))
    canvas.restoreState()
