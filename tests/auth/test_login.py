"""Logging in and out, the lockout rule in the service, and the user's own password change."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from frontdesk.audit.models import AuditEntry
from frontdesk.auth import services
from frontdesk.core.errors import NotAllowed
from tests.factories import NOW, PASSWORD, make_user

REFUSED = "Wrong username or password, or the account is locked."


def _attempt(username, password, now, **kw):
    try:
        return services.authenticate(username, password, now=now, max_failures=3, lock_minutes=15, **kw)
    except NotAllowed as e:
        with force_locale("en"):
            return str(e)


def test_right_password_logs_in_and_records_the_time(db):
    user = make_user("clerk")

    assert services.authenticate(user.username, PASSWORD, now=NOW) is user
    assert user.last_login_at == NOW
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.actor_id == user.id)) == "auth.login"


def test_account_locks_after_failures_in_a_row_and_opens_when_the_lock_passes(db):
    user = make_user("clerk")
    for minute in range(3):
        assert REFUSED in _attempt(user.username, "wrong", NOW + timedelta(minutes=minute))

    assert user.locked_until == NOW + timedelta(minutes=2 + 15)
    assert REFUSED in _attempt(user.username, PASSWORD, NOW + timedelta(minutes=10))
    assert _attempt(user.username, PASSWORD, NOW + timedelta(minutes=18)) is user
    assert user.locked_until is None and user.failed_logins == 0


def test_a_success_resets_the_count_of_failures(db):
    user = make_user("clerk")
    _attempt(user.username, "wrong", NOW)
    _attempt(user.username, "wrong", NOW)
    _attempt(user.username, PASSWORD, NOW)
    _attempt(user.username, "wrong", NOW)

    assert user.locked_until is None and user.failed_logins == 1


def test_unknown_name_wrong_password_and_locked_account_get_the_same_message(db):
    user = make_user("clerk")
    locked = make_user("clerk")
    locked.locked_until = NOW + timedelta(minutes=5)

    messages = {_attempt("nobody", "wrong", NOW), _attempt(user.username, "wrong", NOW),
                _attempt(locked.username, PASSWORD, NOW)}

    assert len(messages) == 1
    assert "After 3 failed attempts in a row an account is locked for 15 minutes" in messages.pop()


def test_deactivated_account_is_told_so_only_with_the_right_password(db):
    user = make_user("clerk")
    user.active = False

    assert REFUSED in _attempt(user.username, "wrong", NOW)
    assert _attempt(user.username, PASSWORD, NOW) == "This account has been deactivated. Ask an administrator."


def test_failed_logins_are_audited_even_though_the_login_fails(db, client):
    user = make_user("clerk")
    db.session.commit()

    client.post("/locale", data={"locale": "en"})
    page = client.post("/login", data={"username": user.username, "password": "wrong"}).get_data(as_text=True)
    client.post("/login", data={"username": "ghost", "password": "wrong"})

    assert REFUSED in page
    db.session.expire_all()
    entries = db.session.execute(sa.select(AuditEntry.action, AuditEntry.summary).order_by(AuditEntry.id)).all()
    assert entries == [("auth.login_failed", "failure 1"), ("auth.login_failed", "unknown user 'ghost'")]


def test_logout_ends_the_session(db, login):
    user = make_user("clerk")
    db.session.commit()
    client = login(user)

    client.post("/logout")

    assert client.get("/").status_code == 302


def test_password_page_changes_the_password(db, login, app):
    user = make_user("clerk", locale="en")
    db.session.commit()
    client = login(user)

    response = client.post("/password", data={"current_password": PASSWORD, "password": "another-good-one",
                                              "confirm": "another-good-one"}, follow_redirects=True)

    assert "Your password has been changed." in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # this session goes on
    other = app.test_client()
    assert other.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 200
    assert other.post("/login", data={"username": user.username, "password": "another-good-one"}).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"current_password": "wrong", "password": "another-good-one", "confirm": "another-good-one"},
     "The current password is wrong."),
    ({"current_password": PASSWORD, "password": "short", "confirm": "short"},
     "A password needs at least 10 characters."),
    ({"current_password": PASSWORD, "password": "another-good-one", "confirm": "another-good-two"},
     "The two new passwords differ."),
    ({"current_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD},
     "The new password must differ from the current one."),
])
def test_password_page_explains_a_refused_change(db, login, data, message):
    user = make_user("clerk", locale="en")
    db.session.commit()
    client = login(user)

    response = client.post("/password", data=data)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.verify_password(user.password_hash, PASSWORD)
