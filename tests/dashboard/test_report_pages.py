import io
from decimal import Decimal as D

from openpyxl import load_workbook

from tests.dashboard.report_data import make_books
from tests.factories import make_building, make_site, make_user

URL = "/reports/arrears"


def test_supervisor_sees_arrears_by_building_and_customer_with_the_chart(db, client, as_user):
    books = make_books(db)
    as_user(books.desk.supervisor)
    page = client.get(URL, query_string={"as_of": "2026-03-31", "first": "2026-01", "last": "2026-03"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Arrears by building as of 2026-03-31" in text
    assert "<svg class=\"chart\"" in text
    assert "￥1,030.00" in text  # total arrears
    assert "￥700.00" in text and "A-101, B-201" in text
    assert "25.45%" in text and "40.00%" in text  # collection rate: total and 2026-02
    assert "How these figures are worked out" in text


def test_project_manager_may_look_and_a_cashier_may_not(db, client, as_user):
    books = make_books(db)
    as_user(make_user("project_manager", site=books.desk.site))
    assert client.get(URL).status_code == 200
    as_user(books.desk.cashier)
    assert client.get(URL).status_code == 403


def test_the_navigation_offers_the_report_to_those_who_may_see_it(db, client, as_user):
    books = make_books(db)
    as_user(books.desk.supervisor)
    assert "Arrears reports" in client.get("/").get_data(as_text=True)
    as_user(books.desk.cashier)
    assert "Arrears reports" not in client.get("/").get_data(as_text=True)


def test_one_building_only(db, client, as_user):
    books = make_books(db)
    as_user(books.desk.supervisor)
    text = client.get(URL, query_string={"as_of": "2026-03-31", "building": books.b.id}).get_data(as_text=True)
    assert "￥30.00" in text and "李四" not in text


def test_bad_filters_get_a_clear_message_and_no_figures(db, client, as_user):
    books = make_books(db)
    as_user(books.desk.supervisor)
    cases = [
        ({"as_of": "31/03/2026"}, "Give the date as YYYY-MM-DD, for example 2026-03-31."),
        ({"as_of": "2026-02-30"}, "Give the date as YYYY-MM-DD, for example 2026-03-31."),
        ({"as_of": "2026-04-01"}, "A report cannot be drawn up as of a day that has not come yet."),
        ({"first": "2026-03", "last": "2026-01"}, "The first billing period comes after the last one: swap them."),
        ({"first": "2026-3"}, "Enter the billing period as YYYY-MM, for example 2026-03."),
        ({"first": "2015-01", "last": "2026-01"}, "Choose at most 60 billing periods at a time."),
        ({"building": "999999"}, "There is no such building at this site."),
        ({"building": "A座"}, "There is no such building at this site."),
    ]
    for args, message in cases:
        page = client.get(URL, query_string=args)
        text = page.get_data(as_text=True)
        assert page.status_code == 422, args
        assert message in text, args
        assert "Arrears by building as of" not in text
        assert client.get(URL + ".xlsx", query_string=args).status_code == 422


def test_another_sites_building_is_unknown_here(db, client, as_user):
    books = make_books(db)
    elsewhere = make_building(make_site(), "A")
    db.session.commit()
    as_user(books.desk.supervisor)
    page = client.get(URL, query_string={"building": elsewhere.id})
    assert page.status_code == 422
    assert "There is no such building at this site." in page.get_data(as_text=True)


def test_the_export_has_the_same_figures_as_the_page(db, client, as_user):
    books = make_books(db)
    as_user(books.desk.supervisor)
    response = client.get(URL + ".xlsx", query_string={"as_of": "2026-03-31", "first": "2026-01", "last": "2026-03"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="arrears-2026-03-31.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    by_building, by_customer, rate, definitions = book.worksheets
    rows = list(by_building.iter_rows(min_row=3, values_only=True))
    assert rows[0][:6] == ("A座", 100, 200, 300, 400, 1000)
    assert rows[-1][0] == "Total" and D(str(rows[-1][5])) == D("1030")
    customers = list(by_customer.iter_rows(min_row=3, values_only=True))
    assert customers[0][:2] == ("李四", "A-102") and customers[1][:2] == ("张三", "A-101, B-201")
    periods = list(rate.iter_rows(min_row=3, max_row=6, values_only=True))
    assert [(p, D(str(due)), D(str(r))) for p, due, _c, r in periods] == [
        ("2026-01", D("200"), D("0")), ("2026-02", D("50"), D("40")), ("2026-03", D("300"), D("40")),
        ("Total", D("550"), D("25.45"))]
    assert "voided receipt counts as never paid" in definitions["A1"].value


def test_a_name_that_looks_like_a_formula_stays_text_in_the_export(db, client, as_user):
    books = make_books(db)
    books.desk.customer.name = '=HYPERLINK("http://x","张三")'
    db.session.commit()
    as_user(books.desk.supervisor)
    response = client.get(URL + ".xlsx", query_string={"as_of": "2026-03-31", "first": "2026-01", "last": "2026-03"})
    by_customer = load_workbook(io.BytesIO(response.data)).worksheets[1]
    cells = [row[0] for row in by_customer.iter_rows(min_row=3) if str(row[0].value).startswith("=")]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://x","张三")', "s")]
