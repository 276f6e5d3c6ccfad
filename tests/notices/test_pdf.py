"""The approved notice's PDF: drawn from the snapshot alone (a reprint is the original plus 补打), A4,
with the number, the title, the text laid out from its markup, the dates and the service centre."""
import subprocess
from io import BytesIO

from pypdf import PdfReader

from frontdesk.notices import pdf, services
from tests.notices.conftest import T3, approved, content


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages).replace(" ", "")


def test_the_pdf_says_what_was_approved(desk):
    body = "# 停水时间\n4月2日 8:00—12:00\n\n- 请您提前储水\n- **谢谢配合**"
    revision = approved(desk, building_ids=[desk.building.id], body=body)
    data = pdf.render_notice(revision.snapshot)
    text = text_of(data)
    for expected in ("星河物业服务有限公司", "关于园区临时停水的通知", "编号：TZ2026-0001", "尊敬的A座各位业主、租户",
                     "停水时间", "•请您提前储水", "本通知有效期：2026年4月2日至2026年4月4日", "星河产业园客服中心",
                     "2026年4月1日"):
        assert expected in text
    assert "**" not in text and "#" not in text and "补打" not in text
    page = PdfReader(BytesIO(data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_a_reprint_is_the_original_marked_and_a_later_revision_leaves_it_alone(desk):
    revision = approved(desk)
    original = pdf.render_notice(revision.snapshot)
    assert pdf.render_notice(revision.snapshot) == original  # the same bytes every time
    assert "补打" in text_of(pdf.render_notice(revision.snapshot, reprint=True))
    again = services.new_revision(revision.notice, actor=desk.clerk, now=T3)
    services.change_draft(again, content=content(title="关于园区临时停水的通知（更正）"), actor=desk.clerk, now=T3)
    assert pdf.render_notice(revision.snapshot) == original


def test_a_long_notice_runs_onto_a_second_page_and_renders(desk, tmp_path):
    body = "\n\n".join(f"第{n}条：因设备检修，请各位业户留意园区通知，谢谢您的配合。" * 3 for n in range(1, 40))
    data = pdf.render_notice(approved(desk, body=body).snapshot)
    assert len(PdfReader(BytesIO(data)).pages) >= 2
    (tmp_path / "notice.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(tmp_path / "notice.pdf"), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page*.png"))) == len(PdfReader(BytesIO(data)).pages)
