"""The receipt that leaves with the collector on a collection visit is printed from its frozen
snapshot: the first print is the original, later ones are audited reprints marked 补打, and a
receipt that came back unused prints 作废."""
import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.dunning import services
from frontdesk.dunning.models import CollectionVisit
from tests.billing.test_receipts import pdf_text
from tests.dunning.test_collection_visits import book, desk, out  # noqa: F401 (desk is a fixture)
from tests.factories import NOW, make_user


def print_visit(client, visit):
    return client.post(f"/dunning/visits/{visit.id}/print")


def test_the_first_print_is_the_original_with_the_visit_lines_and_the_collector(desk, db, as_user):
    visit = out(desk)
    db.session.commit()
    response = print_visit(as_user(desk.cashier), visit)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert visit.receipt_number in text
    assert desk.customer.name in text
    assert "物业管理费" in text and "违约金" in text and "259.63" in text
    assert "贰佰伍拾玖元陆角叁分" in text
    assert "收款人：赵上门" in text
    assert "补打" not in text and "作废" not in text
    assert db.session.get(CollectionVisit, visit.id).printed_at is not None


def test_a_second_print_is_a_reprint_marked_and_audited(desk, db, as_user):
    visit = out(desk)
    db.session.commit()
    client = as_user(desk.cashier)
    print_visit(client, visit)
    text = pdf_text(print_visit(client, visit).data)
    assert "补打" in text and visit.receipt_number in text
    assert db.session.get(CollectionVisit, visit.id).reprints == 1
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("collection_visit.%print"))).all()
    assert sorted(actions) == ["collection_visit.print", "collection_visit.reprint"]


def test_a_receipt_returned_unused_prints_void(desk, db, as_user):
    visit = out(desk)
    services.return_visit_receipt_unused(visit, "客户不在家", actor=desk.cashier, now=NOW)
    db.session.commit()
    text = pdf_text(print_visit(as_user(desk.cashier), visit).data)
    assert "作废" in text and visit.receipt_number in text


def test_a_visit_not_handed_over_has_no_receipt_to_print(desk, db, as_user):
    visit = book(desk)
    db.session.commit()
    client = as_user(desk.cashier)
    assert "Print the receipt" not in client.get(f"/dunning/visits/{visit.id}").get_data(as_text=True)
    response = print_visit(client, visit)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has not been handed to the collector yet" in page
    assert db.session.get(CollectionVisit, visit.id).printed_at is None


def test_the_visit_page_offers_print_then_reprint(desk, db, as_user):
    visit = out(desk)
    db.session.commit()
    client = as_user(desk.cashier)
    assert "Print the receipt" in client.get(f"/dunning/visits/{visit.id}").get_data(as_text=True)
    print_visit(client, visit)
    assert "Reprint the receipt" in client.get(f"/dunning/visits/{visit.id}").get_data(as_text=True)


def test_printing_needs_the_collect_permission(desk, db, as_user):
    visit = out(desk)
    db.session.commit()
    assert print_visit(as_user(desk.supervisor), visit).status_code == 403
    assert db.session.get(CollectionVisit, visit.id).printed_at is None


def test_the_nav_links_collection_visits_for_cashiers_and_supervisors_only(desk, db, as_user):
    clerk = make_user("clerk", site=desk.site)
    db.session.commit()
    assert 'href="/dunning/visits"' in as_user(desk.cashier).get("/").get_data(as_text=True)
    assert 'href="/dunning/visits"' in as_user(desk.supervisor).get("/").get_data(as_text=True)
    assert 'href="/dunning/visits"' not in as_user(clerk).get("/").get_data(as_text=True)
