"""The admin pages: list, create, edit, deactivate, reset password, unlock, roles matrix."""
from datetime import timedelta

import sqlalchemy as sa

from frontdesk.audit.models import AuditEntry
from frontdesk.auth import services
from frontdesk.auth.models import User
from frontdesk.core import clock
from tests.factories import PASSWORD, make_site, make_user


def _admin(db, login):
    admin = make_user("admin", username="boss", full_name="Admin Zhao", locale="en")
    db.session.commit()
    return admin, login(admin)


def _user(db, username):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_user_list_shows_roles_site_status_and_last_login(db, login):
    site = make_site(name="Sunshine Park")
    clerk = make_user("clerk", "cashier", username="liwei", full_name="Li Wei", site=site)
    gone = make_user("steward", username="oldhand")
    gone.active = False
    clerk.locked_until = clock.now() + timedelta(minutes=10)
    db.session.commit()
    _, client = _admin(db, login)

    page = client.get("/users").get_data(as_text=True)

    assert "liwei" in page and "Li Wei" in page and "Sunshine Park" in page
    assert "Front-desk clerk" in page and "Cashier" in page
    assert "Locked" in page
    assert "Deactivated" in page
    assert "Never" in page  # liwei has not logged in yet


def test_admin_creates_user_with_several_roles_and_site(db, login):
    site = make_site(name="East Estate")
    db.session.commit()
    _, client = _admin(db, login)

    response = client.post("/users/new", data={
        "username": "wangfang", "full_name": "王芳", "site_id": str(site.id),
        "roles": ["cashier", "clerk"], "password": "a-long-password-1",
    })

    assert response.status_code == 302
    user = _user(db, "wangfang")
    assert user.full_name == "王芳" and user.site_id == site.id
    assert user.roles == ["clerk", "cashier"]
    assert "王芳" in client.get("/users").get_data(as_text=True)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.actor_name == "boss" and entry.after["roles"] == ["clerk", "cashier"]


def test_new_user_needs_a_role_and_a_strong_password(db, login):
    _, client = _admin(db, login)

    no_role = client.post("/users/new", data={"username": "x1", "full_name": "X", "site_id": "0",
                                               "password": "a-long-password-1"})
    weak = client.post("/users/new", data={"username": "x2", "full_name": "X", "site_id": "0",
                                            "roles": ["clerk"], "password": "short"})

    assert no_role.status_code == 200 and "Choose at least one role." in no_role.get_data(as_text=True)
    assert weak.status_code == 200 and "A password needs at least 10 characters." in weak.get_data(as_text=True)
    assert _user(db, "x1") is None and _user(db, "x2") is None


def test_taken_username_is_shown_on_the_form(db, login):
    make_user("clerk", username="taken")
    _, client = _admin(db, login)

    response = client.post("/users/new", data={"username": "taken", "full_name": "Other", "site_id": "0",
                                               "roles": ["clerk"], "password": "a-long-password-1"})

    assert response.status_code == 200
    assert "The username taken is taken." in response.get_data(as_text=True)


def test_admin_edits_name_site_and_roles_and_the_change_is_audited(db, login):
    site = make_site(code="W1", name="West Park")
    make_user("clerk", username="zhou", full_name="Zhou")
    _, client = _admin(db, login)

    form = client.get(f"/users/{_user(db, 'zhou').id}").get_data(as_text=True)
    assert 'checked id="roles-0" name="roles" type="checkbox" value="clerk"' in form
    response = client.post(f"/users/{_user(db, 'zhou').id}", data={
        "full_name": "Zhou Min", "site_id": str(site.id), "roles": ["cashier", "supervisor"]})

    assert response.status_code == 302
    user = _user(db, "zhou")
    assert (user.full_name, user.site_id, user.roles) == ("Zhou Min", site.id, ["cashier", "supervisor"])
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert entry.before == {"full_name": "Zhou", "roles": ["clerk"], "site": None}
    assert entry.after == {"full_name": "Zhou Min", "roles": ["cashier", "supervisor"], "site": "W1"}


def test_unticking_every_role_is_refused(db, login):
    make_user("clerk", username="zhou")
    _, client = _admin(db, login)

    response = client.post(f"/users/{_user(db, 'zhou').id}", data={"full_name": "Zhou", "site_id": "0"})

    assert response.status_code == 200
    assert "Choose at least one role." in response.get_data(as_text=True)
    assert _user(db, "zhou").roles == ["clerk"]


def test_admin_cannot_remove_own_admin_role(db, login):
    admin, client = _admin(db, login)

    response = client.post(f"/users/{admin.id}", data={"full_name": "Admin Zhao", "site_id": "0", "roles": ["clerk"]})

    assert response.status_code == 200
    assert "You cannot remove your own administrator role." in response.get_data(as_text=True)
    assert _user(db, "boss").roles == ["admin"]


def test_deactivate_and_reactivate_keep_the_user_and_log_it(db, login):
    make_user("clerk", username="leaver")
    _, client = _admin(db, login)
    user_id = _user(db, "leaver").id

    page = client.post(f"/users/{user_id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "leaver has been deactivated" in page
    assert _user(db, "leaver").active is False

    client.post(f"/users/{user_id}/reactivate")
    assert _user(db, "leaver").active is True
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_id == str(user_id))).all()
    assert "user.deactivate" in actions and "user.activate" in actions


def test_admin_cannot_deactivate_themselves(db, login):
    admin, client = _admin(db, login)

    page = client.post(f"/users/{admin.id}/deactivate", follow_redirects=True).get_data(as_text=True)

    assert "You cannot deactivate your own account." in page
    assert _user(db, "boss").active is True


def test_reset_password_lets_the_user_in_with_the_new_one_and_unlocks(db, login, app):
    user = make_user("clerk", username="forgetful")
    user.locked_until = clock.now() + timedelta(minutes=10)
    _, client = _admin(db, login)

    response = client.post(f"/users/{user.id}/password", data={"new_password": "brand-new-secret-9"})

    assert response.status_code == 302
    assert _user(db, "forgetful").locked_until is None
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "forgetful", "password": "brand-new-secret-9"}).status_code == 302


def test_weak_reset_password_is_shown_on_the_user_page(db, login):
    user = make_user("clerk", username="forgetful")
    _, client = _admin(db, login)

    response = client.post(f"/users/{user.id}/password", data={"new_password": "short"})

    assert response.status_code == 200
    assert "A password needs at least 10 characters." in response.get_data(as_text=True)
    assert services.verify_password(_user(db, "forgetful").password_hash, PASSWORD)


def test_admin_unlocks_a_locked_account(db, login):
    user = make_user("clerk", username="locked")
    user.locked_until = clock.now() + timedelta(minutes=10)
    _, client = _admin(db, login)

    assert "Unlock" in client.get(f"/users/{user.id}").get_data(as_text=True)
    page = client.post(f"/users/{user.id}/unlock", follow_redirects=True).get_data(as_text=True)

    assert "locked has been unlocked." in page
    assert _user(db, "locked").locked_until is None


def test_unknown_user_is_404(db, login):
    _, client = _admin(db, login)
    assert client.get("/users/9999").status_code == 404


def test_roles_page_shows_every_role_and_permission_label(db, login):
    _, client = _admin(db, login)

    page = client.get("/roles").get_data(as_text=True)

    for text in ("Front-desk clerk", "Customer-service supervisor", "Administrator",
                 "Void receipts", "Search the audit log", "Manage users and roles"):
        assert text in page


def test_roles_link_is_in_the_navigation_of_admins_only(db, login, app):
    make_user("cashier", username="cash")
    _, client = _admin(db, login)
    assert 'href="/roles"' in client.get("/").get_data(as_text=True)

    other = app.test_client()
    other.post("/login", data={"username": "cash", "password": PASSWORD})
    assert 'href="/roles"' not in other.get("/").get_data(as_text=True)
