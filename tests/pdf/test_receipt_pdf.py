"""The receipt PDF prints what its snapshot says, on one A5 page per copy, in an embedded font."""
import io

from pypdf import PdfReader

from frontdesk.billing.pdf import render_receipt
from tests.pdf.conftest import page_texts, words

A5_LANDSCAPE = (595.3, 419.5)


def _pages(pdf):
    return PdfReader(io.BytesIO(pdf)).pages


def test_receipt_prints_number_payer_unit_lines_total_and_capitals(receipt):
    text = page_texts(render_receipt(receipt))[0]
    for expected in ("上海示例物业服务有限公司", "收据", "No.SJ2026-000123", "2026-03-31", "10:00",
                     "上海星河科技有限公司", "A-1203", "金桥产业园", "收费项目", "所属期间", "说明", "金额",
                     "物业管理费", "1,234.56", "水费", "235.00", "停车费", "300.00", "2026-03",
                     "合计人民币（大写）", "人民币壹仟柒佰陆拾玖元伍角陆分", "￥1,769.56", "收款人：王收费", "交款人签字"):
        assert expected in text, expected


def test_receipt_is_a5_landscape_with_one_page_per_copy_named_in_the_margin(receipt):
    pdf = render_receipt(receipt)
    pages = _pages(pdf)
    assert len(pages) == 3
    for page in pages:
        assert (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1)) == A5_LANDSCAPE
    stub, customer, accounting = page_texts(pdf)
    assert "第一联存根联" in stub and "客户联" not in stub
    assert "第二联客户联（收据联）" in customer
    assert "第三联记账联" in accounting
    # every copy is the whole receipt
    for text in (stub, customer, accounting):
        assert "SJ2026-000123" in text and "人民币壹仟柒佰陆拾玖元伍角陆分" in text


def test_receipt_prints_only_the_copies_asked_for(receipt):
    receipt["copies"] = ["customer"]
    texts = page_texts(render_receipt(receipt))
    assert len(texts) == 1 and "客户联" in texts[0]


def test_receipt_embeds_its_chinese_font(receipt):
    pdf = render_receipt(receipt)
    assert b"/FontFile2" in pdf  # the TrueType subset is inside the file
    assert b"STSong" not in pdf
    assert len(pdf) < 120_000


def test_cash_receipt_shows_cash_handed_over_and_change(receipt):
    text = page_texts(render_receipt(receipt))[0]
    assert "收款方式：现金" in text
    assert "实收：￥1,800.00" in text
    assert "找零：￥30.44" in text


def test_card_and_mobile_receipts_show_the_reference_instead_of_change(receipt):
    receipt.update(method="wechat", method_label="微信支付", tendered=None, change="0.00",
                   reference="4200001234202603311234567890")
    text = page_texts(render_receipt(receipt))[0]
    assert "收款方式：微信支付" in text
    assert "支付单号：4200001234202603311234567890" in text
    assert "找零" not in text and "实收" not in text


def test_prepayment_is_printed_as_its_own_line(receipt):
    receipt.update(prepayment="500.00", total="2269.56", total_figures="￥2,269.56")
    text = page_texts(render_receipt(receipt))[0]
    assert "预存款500.00" in text
    assert "￥2,269.56" in text


def test_reprint_is_marked_and_otherwise_identical(receipt):
    original = page_texts(render_receipt(receipt))
    reprint = page_texts(render_receipt(receipt, reprint=True))
    assert all("补打" not in page for page in original)
    assert all("补打" in page for page in reprint)
    assert [page.replace("补打", "") for page in reprint] == original


def test_same_snapshot_renders_the_same_bytes(receipt):
    assert render_receipt(receipt) == render_receipt(receipt)


def test_voided_receipt_is_stamped_on_every_page(receipt):
    receipt["lines"] = receipt["lines"] * 4  # two pages per copy
    voided = page_texts(render_receipt(receipt, voided=True))
    assert len(voided) == 6
    assert all("作废" in page for page in voided)
    assert all("作废" not in page for page in page_texts(render_receipt(receipt)))


def test_two_years_of_arrears_continue_over_pages_with_the_total_on_the_last(receipt):
    receipt["lines"] = [
        {"item": "物业管理费", "period": f"{2024 + m // 12}-{m % 12 + 1:02d}", "description": "",
         "amount": f"{1000 + m}.{m:02d}"}
        for m in range(24)
    ]
    receipt["copies"] = ["customer", "accounting"]
    texts = page_texts(render_receipt(receipt))
    assert len(texts) == 8  # 4 pages for each of 2 copies
    customer = texts[:4]
    joined = "".join(customer)
    for m in range(24):
        assert f"{2024 + m // 12}-{m % 12 + 1:02d}" in joined
        assert f"1,0{m:02d}.{m:02d}" in joined
    for i, page in enumerate(customer, start=1):
        assert "SJ2026-000123" in page and "第二联" in page
        assert f"第{i}页/共4页" in page
        assert ("人民币壹仟柒佰陆拾玖元伍角陆分" in page) == (i == 4)
        assert ("续下页" in page) == (i < 4)


def test_markup_in_names_prints_literally(receipt):
    receipt["payer"] = "<script>alert(1)</script> A&B <b>粗体</b>"
    receipt["lines"][0]["description"] = "&amp; &lt;i&gt; <br/>"
    pdf = render_receipt(receipt)
    text = page_texts(pdf)[0]
    assert "<script>alert(1)</script>A&B<b>粗体</b>" in text
    assert "&amp;&lt;i&gt;<br/>" in text


def test_ten_thousand_character_names_are_cut_to_fit_the_page(receipt):
    receipt["payer"] = "星" * 10_000
    receipt["units"] = "A-1203," * 2_000
    receipt["lines"][0]["item"] = "管" * 10_000
    receipt["lines"][0]["description"] = "Lorem ipsum dolor " * 600
    receipt["company_name"] = "公" * 10_000
    receipt["cashier"] = "王" * 10_000
    pdf = render_receipt(receipt)
    assert len(_pages(pdf)) == 3
    text = page_texts(pdf)[0]
    assert "…" in text and len(text) < 2_000
    assert "1,234.56" in text and "人民币壹仟柒佰陆拾玖元伍角陆分" in text
    for page in words(pdf):
        width, height = page[0]["page"]
        for word in page:
            assert 0 <= word["xMin"] and word["xMax"] <= width and 0 <= word["yMin"] and word["yMax"] <= height, word


def test_long_words_stay_inside_their_column(receipt):
    receipt["lines"][1]["description"] = "X" * 300
    page = words(render_receipt(receipt))[0]
    amounts_column = next(w for w in page if w["text"] == "235.00")
    long_word = next(w for w in page if w["text"].startswith("XXX"))
    assert long_word["xMax"] < amounts_column["xMin"]


def test_receipt_with_only_the_essentials_still_renders(receipt):
    minimal = {"number": "SJ2026-000001", "lines": [], "total_capitals": "人民币零元整", "total_figures": "￥0.00"}
    texts = page_texts(render_receipt(minimal))
    assert len(texts) == 1
    assert "SJ2026-000001" in texts[0] and "人民币零元整" in texts[0]
