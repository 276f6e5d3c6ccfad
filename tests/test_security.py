"""Security behaviour across the app: lockout, rate limit, CSRF, cookies, ending sessions,
language kept on the user, redirects after login, escaping."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from frontdesk.auth import services
from frontdesk.auth.models import User
from frontdesk.core.errors import NotAllowed
from tests.factories import NOW, PASSWORD, make_user


def _login_post(client, username, password, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"username": username, "password": password})


def test_lockout_refuses_even_the_right_password_until_the_lock_passes(db):
    user = make_user("cashier")
    for n in range(5):
        with pytest.raises(NotAllowed):
            services.authenticate(user.username, "guess", now=NOW + timedelta(seconds=n), max_failures=5, lock_minutes=15)

    with pytest.raises(NotAllowed) as refused:
        services.authenticate(user.username, PASSWORD, now=NOW + timedelta(minutes=14), max_failures=5, lock_minutes=15)
    assert services.authenticate(user.username, PASSWORD, now=NOW + timedelta(minutes=16),
                                 max_failures=5, lock_minutes=15) is user
    with force_locale("en"):
        assert "locked" in str(refused.value) and "Wrong username or password" in str(refused.value)


def test_login_page_locks_after_the_configured_failures_without_revealing_names(app, db, client):
    app.config.update(LOGIN_MAX_FAILURES=2, LOGIN_LOCK_MINUTES=30)
    make_user("cashier", username="real")
    db.session.commit()
    client.post("/locale", data={"locale": "en"})

    pages = [_login_post(client, name, "guess").get_data(as_text=True) for name in ("real", "real", "nobody")]
    locked = _login_post(client, "real", PASSWORD)

    assert locked.status_code == 200  # not logged in
    message = "After 2 failed attempts in a row an account is locked for 30 minutes"
    assert all(message in page for page in pages) and message in locked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.username == "real")).locked_until is not None


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}])
def test_rapid_login_attempts_are_slowed_with_429(db, client):
    statuses = [_login_post(client, "someone", "guess").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert client.get("/login").status_code == 200  # only posting is limited


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_form_without_a_valid_csrf_token_shows_form_expired_and_changes_nothing(db, client, token):
    admin = make_user("admin", locale="en")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    data = {"username": "intruder", "full_name": "X", "site_id": "0", "roles": ["admin"],
            "password": "a-long-password-1"}
    if token:
        data["csrf_token"] = token

    response = client.post("/users/new", data=data)

    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert "Nothing was changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.username == "intruder")) is None


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_form_works_with_its_own_csrf_token(db, client):
    user = make_user("clerk")
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})

    assert response.status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(db, client):
    user = make_user("clerk")
    db.session.commit()

    response = _login_post(client, user.username, PASSWORD)

    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_deactivating_a_user_ends_their_open_session(app, db, login):
    clerk = make_user("clerk", username="leaver")
    admin = make_user("admin")
    db.session.commit()
    clerk_client = login(clerk)
    assert clerk_client.get("/").status_code == 200
    admin_client = app.test_client()
    _login_post(admin_client, admin.username, PASSWORD)

    admin_client.post(f"/users/{clerk.id}/deactivate")

    response = clerk_client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_changing_a_password_ends_the_users_other_sessions(app, db, login):
    user = make_user("cashier")
    db.session.commit()
    desk = login(user)
    phone = app.test_client()
    _login_post(phone, user.username, PASSWORD)

    desk.post("/password", data={"current_password": PASSWORD, "password": "a-fresh-secret-2",
                                 "confirm": "a-fresh-secret-2"})

    assert desk.get("/").status_code == 200
    assert phone.get("/").status_code == 302


def test_admin_password_reset_ends_the_users_sessions(app, db, login):
    user = make_user("cashier")
    admin = make_user("admin")
    db.session.commit()
    desk = login(user)
    admin_client = app.test_client()
    _login_post(admin_client, admin.username, PASSWORD)

    admin_client.post(f"/users/{user.id}/password", data={"new_password": "reset-by-admin-1"})

    assert desk.get("/").status_code == 302


def test_language_choice_is_kept_on_the_user_across_logins(app, db, login):
    user = make_user("clerk", full_name="Chen")
    db.session.commit()
    client = login(user)
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)

    client.post("/locale", data={"locale": "en", "next": "/"})
    client.post("/logout")
    elsewhere = app.test_client()
    _login_post(elsewhere, user.username, PASSWORD)

    assert '<html lang="en">' in elsewhere.get("/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"


def test_unknown_language_is_ignored(db, login):
    user = make_user("clerk")
    db.session.commit()
    client = login(user)

    client.post("/locale", data={"locale": "xx"})

    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "zh_CN"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "javascript:alert(1)", "evil.example",
])
def test_login_refuses_to_redirect_off_site(db, client, target):
    user = make_user("clerk")
    db.session.commit()

    response = client.post("/login", query_string={"next": target},
                           data={"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(db, client):
    user = make_user("cashier")
    db.session.commit()

    response = client.post("/login", query_string={"next": "/password?x=1"},
                           data={"username": user.username, "password": PASSWORD})

    assert response.headers["Location"] == "/password?x=1"


def test_language_switch_refuses_to_redirect_off_site(db, client):
    response = client.post("/locale", data={"locale": "en", "next": "https://evil.example/"})

    assert response.headers["Location"].endswith("/")
    assert "evil" not in response.headers["Location"]


def test_html_in_a_full_name_is_shown_as_text(app, db, login):
    villain = make_user("cashier", username="villain", full_name='<script>alert("x")</script>')
    admin = make_user("admin")
    db.session.commit()

    own_page = login(villain).get("/").get_data(as_text=True)
    admin_client = app.test_client()
    _login_post(admin_client, admin.username, PASSWORD)
    users_response = admin_client.get("/users")
    users_page = users_response.get_data(as_text=True)

    assert users_response.status_code == 200

    for page in (own_page, users_page):
        assert '<script>alert("x")</script>' not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_responses_forbid_framing_and_sniffing(client):
    response = client.get("/login")

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
