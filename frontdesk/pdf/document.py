"""A PDF being drawn: the canvas with the CJK font registered, page geometry, page numbers
("第 2 页 / 共 5 页", known only once the last page is drawn) and a cursor for flowing content."""
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, A5, landscape, portrait
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .fonts import register_font

A4_PORTRAIT = portrait(A4)
A5_LANDSCAPE = landscape(A5)


@dataclass(frozen=True)
class Margins:
    top: float = 15 * mm
    right: float = 15 * mm
    bottom: float = 15 * mm
    left: float = 15 * mm


class _DeferredCanvas(Canvas):
    """Keeps each finished page's drawing until save(), so a footer can print the page count."""

    def __init__(self, *args, page_footer, **kwargs):
        super().__init__(*args, **kwargs)
        self._page_footer = page_footer
        self._held_pages = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        if not self._held_pages or self._code:
            self._held_pages.append(dict(self.__dict__))
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._page_footer(self, number, total)
            super().showPage()
        super().save()


class Document:
    """One PDF: `canvas` to draw on, `font` to draw with, `finish()` for the bytes.

    Output is invariant (no creation timestamp or random id), so the same snapshot always gives
    the same bytes: a reprint is the original, plus its 补打 mark.

    `page_footer(canvas, page_number, page_count)`, if given, is called for every page when the
    document is finished."""

    def __init__(self, pagesize=A4_PORTRAIT, *, title: str = "", author: str = "", subject: str = "",
                 margins: Margins = Margins(), page_footer=None):
        self.font = register_font()
        self.width, self.height = pagesize
        self.margins = margins
        self._buffer = io.BytesIO()
        kwargs = dict(pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=self.font)
        if page_footer is not None:
            self.canvas = _DeferredCanvas(self._buffer, page_footer=page_footer, **kwargs)
        else:
            self.canvas = Canvas(self._buffer, **kwargs)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setSubject(subject)
        self.canvas.setCreator("Frontdesk")

    @property
    def top(self) -> float:
        return self.height - self.margins.top

    @property
    def bottom(self) -> float:
        return self.margins.bottom

    @property
    def left(self) -> float:
        return self.margins.left

    @property
    def right(self) -> float:
        return self.width - self.margins.right

    @property
    def content_width(self) -> float:
        return self.right - self.left

    def new_page(self) -> None:
        self.canvas.showPage()

    def finish(self) -> bytes:
        self.canvas.save()
        return self._buffer.getvalue()


class Flow:
    """A cursor moving down the pages of a Document. `reserve(h)` returns the y at which a block
    of height h starts, beginning a new page first when it would cross the bottom margin;
    `on_new_page(flow)` redraws what every continuation page carries (a table's header)."""

    def __init__(self, doc: Document, *, on_new_page=None):
        self.doc = doc
        self.y = doc.top
        self.on_new_page = on_new_page

    def space_left(self) -> float:
        return self.y - self.doc.bottom

    def new_page(self) -> None:
        self.doc.new_page()
        self.y = self.doc.top
        if self.on_new_page is not None:
            self.on_new_page(self)

    def reserve(self, height: float) -> float:
        if height > self.space_left() and self.y < self.doc.top:
            self.new_page()
        top = self.y
        self.y -= height
        return top

    def skip(self, height: float) -> None:
        self.y -= height
