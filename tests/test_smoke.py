from tests.factories import make_user


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<form" in page


def test_user_logs_in_and_sees_home(app, db, login):
    user = make_user("cashier", full_name="王收费")
    db.session.commit()
    client = login(user)
    page = client.get("/").get_data(as_text=True)
    assert "王收费" in page
