"""The PDF building blocks every domain's documents are drawn with."""
import time
from pathlib import Path

from reportlab.pdfbase.pdfmetrics import stringWidth

from frontdesk import create_app
from frontdesk.pdf import A4_PORTRAIT, Document, draw_text, ellipsize, paginate, register_font, wrap
from frontdesk.pdf.fonts import DEFAULT_FONT_PATH
from tests.conftest import TEST_CONFIG
from tests.pdf.conftest import page_texts

UMING = Path("/usr/share/fonts/truetype/arphic/uming.ttc")


def test_the_font_ships_with_the_app_with_its_licence():
    fonts = DEFAULT_FONT_PATH.parent
    assert DEFAULT_FONT_PATH.exists()
    assert "Apache" in (fonts / "COPYRIGHT-wqy-microhei.txt").read_text()


def test_font_is_registered_once_per_process():
    name = register_font()
    started = time.perf_counter()
    again = register_font()
    assert again == name
    assert time.perf_counter() - started < 0.01


def test_pdf_font_path_setting_chooses_another_font():
    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://", "PDF_FONT_PATH": str(UMING)})
    with app.app_context():
        doc = Document(title="AR PL UMing")
        draw_text(doc.canvas, "收据", 100, 700, font=doc.font, size=12)
        pdf = doc.finish()
    assert doc.font != register_font()
    assert b"UMing" in pdf and b"WenQuanYi" not in pdf
    assert page_texts(pdf) == ["收据"]


def test_wrap_keeps_every_line_within_the_width():
    font = register_font()
    text = "上海市浦东新区金桥路1号 Jinqiao Export Processing Zone, Building 12, Room 1203 " * 3
    lines = wrap(text, font, 10, 150)
    assert len(lines) > 3
    assert all(stringWidth(line, font, 10) <= 150 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_moves_a_latin_word_whole_to_the_next_line():
    font = register_font()
    lines = wrap("收款 transfer reference", font, 10, stringWidth("收款 transfer refer", font, 10))
    assert lines == ["收款 transfer", "reference"]


def test_wrap_starts_no_line_with_closing_punctuation_and_ends_none_with_opening():
    font = register_font()
    width = stringWidth("空调不制", font, 10)
    # "，" would start the second line: "冷" goes down with it
    assert wrap("空调不制冷，已报修", font, 10, width) == ["空调不制", "冷，已报", "修"]
    # "（" would end the first line and "）" start the third: each moves with its neighbour
    assert wrap("已报修（三号楼）", font, 10, width) == ["已报修", "（三号", "楼）"]
    # a line of nothing but punctuation still breaks somewhere rather than running over
    lines = wrap("。" * 30, font, 10, width)
    assert len(lines) > 1 and all(stringWidth(line, font, 10) <= width for line in lines)


def test_wrap_stops_at_max_lines_with_an_ellipsis():
    font = register_font()
    lines = wrap("长" * 10_000, font, 10, 100, max_lines=2)
    assert len(lines) == 2 and lines[1].endswith("…")
    assert stringWidth(lines[1], font, 10) <= 100


def test_ellipsize_cuts_only_what_does_not_fit():
    font = register_font()
    assert ellipsize("短名", font, 10, 100) == "短名"
    cut = ellipsize("很长的名字" * 20, font, 10, 100)
    assert cut.endswith("…") and stringWidth(cut, font, 10) <= 100


def test_control_characters_print_as_spaces():
    doc = Document()
    draw_text(doc.canvas, "王\x00收\n费\t员", 100, 700, font=doc.font, size=12)
    assert page_texts(doc.finish()) == ["王收费员"]


def test_page_footer_knows_the_page_count():
    def footer(canvas, number, total):
        draw_text(canvas, f"第 {number} 页 / 共 {total} 页", 300, 20, font=register_font(), size=8)

    doc = Document(A4_PORTRAIT, page_footer=footer)
    for n in range(3):
        if n:
            doc.new_page()
        draw_text(doc.canvas, f"正文{n + 1}", 100, 700, font=doc.font, size=12)
    texts = page_texts(doc.finish())
    assert texts == ["正文1第1页/共3页", "正文2第2页/共3页", "正文3第3页/共3页"]


def test_paginate_always_gives_at_least_one_page():
    assert paginate([], 7) == [[]]
    assert paginate(range(15), 7) == [list(range(7)), list(range(7, 14)), [14]]
    assert paginate(range(5), 3, first_page=2) == [[0, 1], [2, 3, 4]]
