"""Building blocks for the PDFs every domain prints (receipts, day closes, notices, slips):
a document with the embedded CJK font, text fitted into boxes, ruled tables, stamps and page
numbers. No domain knowledge lives here; each domain's pdf.py lays out its own documents."""
from .document import A4_PORTRAIT, A5_LANDSCAPE, Document, Flow, Margins
from .fonts import register_font
from .marks import STAMP_RED, draw_boxed_mark, draw_diagonal_stamp, draw_round_seal
from .table import Column, draw_header, draw_rows, paginate, rule_grid, table_width
from .text import clean, draw_text, draw_text_box, draw_vertical_text, ellipsize, fit_lines, text_width, wrap

__all__ = [
    "A4_PORTRAIT", "A5_LANDSCAPE", "Document", "Flow", "Margins", "register_font", "STAMP_RED",
    "draw_boxed_mark", "draw_diagonal_stamp", "draw_round_seal", "Column", "draw_header", "draw_rows", "paginate",
    "rule_grid", "table_width", "clean", "draw_text", "draw_text_box", "draw_vertical_text", "ellipsize", "fit_lines",
    "text_width", "wrap",
]
