"""Payment notices, and the PDFs of both kinds of notice read back by their text."""
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from frontdesk.core.errors import ValidationFailed
from frontdesk.dunning import pdf, rules, services
from frontdesk.dunning.models import PaymentNotice
from tests.billing.factories import make_charge, make_desk
from tests.dunning.notice_factories import at, make_rule, run
from tests.factories import make_building, make_customer, make_unit


def pdf_pages(data):
    return [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


@pytest.fixture
def desk(db):
    desk = make_desk()
    make_rule(desk.site)
    db.session.commit()
    return desk


def issue(desk, period="2026-03", building=None, now=None):
    return services.issue_payment_notices(desk.site, period=period, building=building, actor=desk.supervisor,
                                          now=now or at(date(2026, 3, 5)))


# --- payment notices -----------------------------------------------------------------------------

def test_payment_notices_list_the_period_and_earlier_arrears_one_per_customer(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-02", "285.00")
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    unit = make_unit(desk.building, "A-0505")
    make_charge(unit, make_customer(desk.site, "李娜", unit=unit), desk.fee, "2026-03", "120.50")

    result = issue(desk)

    assert [(n.number, n.snapshot["customer"], n.total) for n in result.notices] == [
        ("JK2026-000001", "张伟", Decimal("570.00")), ("JK2026-000002", "李娜", Decimal("120.50"))]
    s = result.notices[0].snapshot
    assert [ln["period"] for ln in s["lines"]] == ["2026-03"] and [ln["period"] for ln in s["arrears"]] == ["2026-02"]
    assert s["due_on"] == "2026-03-15" and s["total_capitals"] == "人民币伍佰柒拾元整"


def test_issuing_the_period_again_gives_nobody_a_second_notice(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    issue(desk)
    db.session.commit()
    again = issue(desk)
    assert again.notices == [] and again.already == 1
    assert db.session.scalar(sa.select(sa.func.count(PaymentNotice.id))) == 1


def test_a_building_batch_leaves_the_other_buildings_out(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    other = make_building(desk.site, "B")
    unit = make_unit(other, "B-0101")
    make_charge(unit, make_customer(desk.site, "王芳", unit=unit), desk.fee, "2026-03", "99.00")
    result = issue(desk, building=other)
    assert [n.snapshot["customer"] for n in result.notices] == ["王芳"]


@pytest.mark.parametrize("period, message", [("2026-13", "YYYY-MM"), ("March", "YYYY-MM"),
                                             ("2026-04", "2026-04 没有欠费")])
def test_bad_payment_notice_batches_get_a_clear_message(db, desk, period, message):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    with pytest.raises(ValidationFailed) as e:
        issue(desk, period)
    assert message in str(e.value)


def test_payment_notice_pdf_says_what_is_due_by_when_and_how_to_pay(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2026-03", "285.00")
    unit = make_unit(desk.building, "A-0505")
    make_charge(unit, make_customer(desk.site, "李娜", unit=unit), desk.fee, "2026-03", "120.50")
    notices = issue(desk).notices

    pages = pdf_pages(pdf.render_payment_notices([n.snapshot for n in notices]))

    assert len(pages) == 2  # one customer per page
    first = pages[0]
    for expected in ("缴款通知书", "示例物业服务有限公司", "JK2026-000001", "张伟", "A-1203", "2026年3月15日前缴纳",
                     "285.00", "人民币贰佰捌拾伍元整", "微信", "021-5000 1234"):
        assert expected in first, expected
    assert "李娜" in pages[1]


# --- dunning notice PDFs -------------------------------------------------------------------------

def test_dunning_notice_pdf_shows_the_arrears_the_late_fee_with_its_rule_the_total_and_the_deadline(db, desk):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    notice = run(desk).notices[0]

    [page] = pdf_pages(pdf.render_dunning_notices([notice.snapshot]))

    for expected in ("催款通知书", "示例物业服务有限公司", "CK2026-000001", "致：张伟", "A-1203", "2025-12",
                     "物业管理费", "250.00", "106", "13.25", "250.00×0.05%×106天", "宽限0天", "100%为限",
                     "263.25", "人民币贰佰陆拾叁元贰角伍分", "请于2026年4月15日前缴清", "签收回执"):
        assert expected in page, expected


def test_a_batch_prints_one_notice_per_page_and_a_long_notice_continues(db, desk):
    for month in range(1, 13):
        make_charge(desk.unit, desk.customer, desk.fee, f"2024-{month:02d}", "100.00")
        make_charge(desk.unit, desk.customer, desk.fee, f"2025-{month:02d}", "100.00")
    unit = make_unit(desk.building, "A-0505")
    make_charge(unit, make_customer(desk.site, "李娜", unit=unit), desk.fee, "2026-01", "120.50")
    result = run(desk)

    pages = pdf_pages(pdf.render_dunning_notices([n.snapshot for n in result.notices]))

    assert len(pages) == 3
    assert "致：张伟" in pages[0] and "（续）" in pages[1] and "2025-12" in pages[1] and "签收回执" in pages[1]
    assert "致：李娜" in pages[2]


@pytest.mark.parametrize("level", [rules.FIRST_REMINDER, rules.SECOND_REMINDER, rules.FINAL_DEMAND])
def test_no_notice_ever_suggests_cutting_water_power_heating_or_gas(db, desk, level):
    make_charge(desk.unit, desk.customer, desk.fee, "2025-12", "250.00")
    notice = run(desk).notices[0]
    snapshot = {**notice.snapshot, "level": level, "title": rules.LEVEL_TITLES_ZH[level],
                "wording": rules.wording(level, as_of=date(2026, 3, 31), deadline_on=date(2026, 4, 15),
                                         label="违约金", previous=date(2026, 2, 1))}
    texts = ["".join(pdf_pages(pdf.render_dunning_notices([snapshot]))), rules.LEVEL_WORDING_ZH[level],
             services.HOW_TO_PAY_ZH]
    texts += pdf_pages(pdf.render_payment_notices([{**snapshot, "lines": snapshot["lines"], "arrears": []}]))
    for text in texts:
        flat = text.replace("\n", "").replace(" ", "")
        assert not [w for w in rules.UTILITY_CUT_WORDS if w in flat]
        assert not any(w in flat for w in ("水电", "供暖", "燃气"))
