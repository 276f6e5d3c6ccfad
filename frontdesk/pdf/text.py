"""Text on a canvas: cleaning, measuring, wrapping, fitting into a box, vertical text.

Everything is drawn with the canvas's string operators, never with Paragraph, so text from a
snapshot (a payer called "<b>A&B</b>") prints exactly as typed: there is no markup to parse."""
import re

from reportlab.pdfbase.pdfmetrics import stringWidth

ELLIPSIS = "…"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]")
# brackets and dashes lie on their side in vertical text, as in a vertically printed book
_TURN_IN_VERTICAL = set("（）()【】〔〕[]《》<>—–-~～…")
# closing punctuation never starts a line, opening punctuation never ends one
_NO_LINE_START = set("，。、；：！？）」』】》〉〕”’…%,.;:!?)]")
_NO_LINE_END = set("（「『【《〈〔“‘([")


def clean(text) -> str:
    """One line of printable text: None is empty, control characters and newlines are spaces."""
    if text is None:
        return ""
    return _CONTROL.sub(" ", str(text))


def text_width(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def _break_at(text: str, start: int, end: int) -> int:
    """Where a line that must end before `end` should break. CJK breaks anywhere, except that a
    line does not start with closing punctuation (，。、：）」 …) nor end with an opening one (（「 …):
    the character before moves down with it, as typesetters do. A Latin word or number that
    straddles the edge moves whole to the next line when a space before it allows. Either move is
    made only when the line keeps at least half its width."""
    if end >= len(text):
        return end
    cut = end
    while cut > start + 1 and (text[cut] in _NO_LINE_START or text[cut - 1] in _NO_LINE_END):
        cut -= 1
    if _LATIN_WORD.match(text[cut]) and _LATIN_WORD.match(text[cut - 1]):
        cut = text.rfind(" ", start, cut) + 1
    return cut if cut > start + (end - start) // 2 else end


def wrap(text, font: str, size: float, max_width: float, max_lines: int | None = None) -> list[str]:
    """Split `text` into lines no wider than `max_width`.

    With `max_lines`, stop there and end the last line with an ellipsis when text is left over,
    so a 10,000-character name costs no more than the lines that are printed."""
    text = clean(text).strip()
    if not text:
        return []
    lines: list[str] = []
    start = 0
    n = len(text)
    while start < n:
        if max_lines is not None and len(lines) == max_lines:
            break
        width = 0.0
        end = start
        while end < n:
            w = stringWidth(text[end], font, size)
            if width + w > max_width and end > start:
                break
            width += w
            end += 1
        if end < n:
            end = _break_at(text, start, end)
        lines.append(text[start:end].rstrip())
        start = end
        while start < n and text[start] == " ":
            start += 1
    if start < n and lines:
        lines[-1] = ellipsize(lines[-1] + ELLIPSIS, font, size, max_width)
    return lines


def ellipsize(text, font: str, size: float, max_width: float) -> str:
    """`text` on one line, cut with an ellipsis if it is wider than `max_width`."""
    text = clean(text)
    if stringWidth(text, font, size) <= max_width:
        return text
    budget = max_width - stringWidth(ELLIPSIS, font, size)
    width = 0.0
    for i, ch in enumerate(text):
        width += stringWidth(ch, font, size)
        if width > budget:
            return text[:i].rstrip() + ELLIPSIS
    return text


def draw_text(canvas, text, x: float, y: float, *, font: str, size: float, align: str = "left",
              max_width: float | None = None, bold: bool = False, char_space: float = 0.0) -> float:
    """One line at baseline `y`; x is the left edge, centre or right edge as `align` says.

    Text wider than `max_width` is cut with an ellipsis. `bold` thickens the strokes (the font
    has no bold face). Returns the width drawn."""
    text = clean(text)
    if max_width is not None:
        text = ellipsize(text, font, size, max_width)
    if not text:
        return 0.0
    width = stringWidth(text, font, size) + char_space * max(len(text) - 1, 0)
    if align == "right":
        x -= width
    elif align == "center":
        x -= width / 2
    # the character spacing and render mode are page state: kept to this line, not leaked to the next
    canvas.saveState()
    t = canvas.beginText(x, y)
    t.setFont(font, size)
    if char_space:
        t.setCharSpace(char_space)
    if bold:
        t.setTextRenderMode(2)
        canvas.setLineWidth(size * 0.035)
    t.textOut(text)
    canvas.drawText(t)
    canvas.restoreState()
    return width


def fit_lines(text, font: str, width: float, height: float, *, size: float, min_size: float | None = None,
              leading: float = 1.2, max_lines: int | None = None) -> tuple[float, list[str]]:
    """The largest size between `size` and `min_size` at which `text` fits on one line of
    `width`; failing that, `text` wrapped at `min_size` into as many lines as `height` holds,
    the last one cut with an ellipsis (at most `max_lines`). Returns (size, lines)."""
    text = clean(text).strip()
    min_size = min_size or size
    current = size
    while current >= min_size:
        if stringWidth(text, font, current) <= width:
            return current, ([text] if text else [])
        current -= 0.5
    fitting = max(int(height // (min_size * leading)), 1)
    return min_size, wrap(text, font, min_size, width, max_lines=min(fitting, max_lines or fitting))


def draw_text_box(canvas, text, x: float, y: float, width: float, height: float, *, font: str, size: float,
                  min_size: float | None = None, align: str = "left", valign: str = "middle", padding: float = 2.0,
                  leading: float = 1.2, bold: bool = False, max_lines: int | None = None) -> None:
    """`text` inside the box whose bottom-left corner is (x, y): shrunk, then wrapped, then cut,
    so it never leaves the box however long it is."""
    inner_w, inner_h = width - 2 * padding, height - 2 * padding
    used_size, lines = fit_lines(text, font, inner_w, inner_h, size=size, min_size=min_size, leading=leading,
                                 max_lines=max_lines)
    if not lines:
        return
    line_h = used_size * leading
    block_h = line_h * (len(lines) - 1) + used_size * 0.8
    if valign == "top":
        baseline = y + height - padding - used_size * 0.85
    elif valign == "bottom":
        baseline = y + padding + block_h - used_size * 0.8
    else:
        baseline = y + (height - block_h) / 2 + block_h - used_size * 0.8
    if align == "right":
        ax = x + width - padding
    elif align == "center":
        ax = x + width / 2
    else:
        ax = x + padding
    for line in lines:
        draw_text(canvas, line, ax, baseline, font=font, size=used_size, align=align, bold=bold)
        baseline -= line_h


def draw_vertical_text(canvas, text, x: float, y_top: float, *, font: str, size: float, spacing: float = 1.15,
                       max_height: float | None = None) -> float:
    """Characters stacked top to bottom, centred on `x`, the first one's top at `y_top` — the
    way a copy's name runs down the margin of a receipt. Returns the height used."""
    step = size * spacing
    limit = y_top - max_height if max_height is not None else None
    baseline = y_top - size * 0.88
    canvas.setFont(font, size)
    for ch in clean(text).strip():
        if ch == " ":
            # a space between words of the label ("第一联 存根联") is half a character
            baseline -= step / 2
            continue
        if limit is not None and baseline - size * 0.12 < limit:
            break
        if ch in _TURN_IN_VERTICAL:
            canvas.saveState()
            canvas.translate(x, baseline + size * 0.38)
            canvas.rotate(-90)
            canvas.drawCentredString(0, -size * 0.35, ch)
            canvas.restoreState()
        else:
            canvas.drawCentredString(x, baseline, ch)
        baseline -= step
    return y_top - size * 0.88 - baseline
