"""The cashier's day close PDF: the day's figures, every receipt, the voids and the signatures."""
import io

from pypdf import PdfReader

from frontdesk.billing.pdf import render_day_close
from tests.pdf.conftest import page_texts


def test_day_close_prints_the_days_figures(day_close):
    pdf = render_day_close(day_close)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4 portrait
    text = page_texts(pdf)[0]
    for expected in ("上海示例物业服务有限公司", "收款日报", "收款员王收费", "营业日期2026-03-31", "金桥产业园",
                     "日结时间2026-03-3118:05", "收据张数3", "SJ2026-000101至SJ2026-000103",
                     "现金11,769.56", "微信支付1500.00", "合计22,269.56", "人民币贰仟贰佰陆拾玖元伍角陆分"):
        assert expected in text, expected


def test_day_close_lists_every_receipt_and_the_voids_with_reasons(day_close):
    text = "".join(page_texts(render_day_close(day_close)))
    assert "SJ2026-000101" in text and "上海星河科技有限公司" in text and "1,769.56" in text
    assert "SJ2026-000102" in text and "张伟" in text and "作废" in text
    assert "SJ2026-000103" in text and "李娜" in text
    assert "收费项目选错，已重开" in text


def test_day_close_of_an_unconfirmed_day_says_so(day_close):
    day_close["confirmed_at"] = None
    assert "日结时间未日结" in page_texts(render_day_close(day_close))[0]


def test_day_close_has_blanks_for_the_cashier_and_supervisor_to_sign(day_close):
    text = "".join(page_texts(render_day_close(day_close)))
    assert "收款员（签字）" in text and "主管（签字）" in text


def test_a_busy_day_continues_over_numbered_pages(day_close):
    day_close["receipts"] = [
        {"number": f"SJ2026-{n:06d}", "issued_at": "10:00", "payer": f"客户{n}", "units": "A-1203",
         "method_label": "现金", "amount": "100.00", "status": "issued"}
        for n in range(1, 121)
    ]
    texts = page_texts(render_day_close(day_close))
    assert len(texts) >= 3
    joined = "".join(texts)
    assert all(f"SJ2026-{n:06d}" in joined for n in range(1, 121))
    for i, page in enumerate(texts, start=1):
        assert f"第{i}页/共{len(texts)}页" in page
        assert "王收费" in page
    # the table's header is repeated on the pages it continues on
    assert all("收据号" in page for page in texts[:-1])
    assert "主管（签字）" in texts[-1]


def test_a_day_without_receipts_still_prints_a_day_close(day_close):
    day_close.update(receipts=[], voids=[], totals_by_method=[], count=0, first_number="", last_number="",
                     total="0.00", confirmed_at=None)
    texts = page_texts(render_day_close(day_close))
    assert len(texts) == 1
    assert "当日无收据" in texts[0] and "人民币零元整" in texts[0]


def test_markup_in_a_void_reason_prints_literally(day_close):
    day_close["voids"][0]["reason"] = "<b>重复</b> & <script>x</script>"
    assert "<b>重复</b>&<script>x</script>" in "".join(page_texts(render_day_close(day_close)))


def test_receipt_times_are_printed_when_the_snapshot_has_them(day_close):
    assert "09:12" in "".join(page_texts(render_day_close(day_close)))
    for r in day_close["receipts"]:
        del r["issued_at"]
    text = "".join(page_texts(render_day_close(day_close)))
    assert "时间" not in text.replace("日结时间", "") and "上海星河科技有限公司" in text
