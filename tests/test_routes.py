"""Every role against every route, walked from the URL map so new pages are covered as they
are added; and the error pages."""
import pytest
from flask import url_for
from flask_babel import force_locale, gettext
from werkzeug.routing import AnyConverter

from frontdesk.auth.permissions import ROLE_PERMISSIONS, ROLES
from tests.factories import make_site, make_user

# the only endpoints anyone may use without logging in
PUBLIC = {"static", "auth.login", "auth.set_locale", "healthz",
          # the host's answer link, signed and expiring: hosts at tenant companies have no login
          "visitors.host_link", "visitors.host_link_answer", "visitors.host_link_sign_out"}


def _routes(app, method=None):
    """(endpoint, URL with every parameter filled, methods) for each non-public rule."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC or (method and method not in rule.methods):
                continue
            # id 1 everywhere: the permission check runs before the view loads anything
            values = {name: next(iter(conv.items)) if isinstance(conv, AnyConverter) else 1
                      for name, conv in rule._converters.items()}
            routes.append((rule.endpoint, url_for(rule.endpoint, **values), rule.methods))
    return sorted(routes)


def _required(app, endpoint):
    return getattr(app.view_functions[endpoint], "required_permissions", None)


def test_the_walk_finds_the_known_pages(app):
    endpoints = {endpoint for endpoint, _, _ in _routes(app)}
    assert {"auth.users", "auth.roles", "audit.search", "dashboard.home", "auth.edit_user"} <= endpoints


def test_every_route_but_the_public_ones_sends_anonymous_users_to_login(app, client):
    wrong = {}
    for endpoint, url, methods in _routes(app):
        method = "GET" if "GET" in methods else sorted(methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(url, method=method)
        if response.status_code != 302 or "/login" not in response.headers.get("Location", ""):
            wrong[endpoint] = response.status_code
    assert wrong == {}


def test_every_view_declares_a_permission_or_is_for_any_logged_in_user(app):
    # the pages any logged-in member of staff may open; everything else names its permission
    any_staff = {"dashboard.home", "auth.logout", "auth.password",
                 # every member of staff can be a host: their own visitors, answered and booked
                 "visitors.mine", "visitors.answer_in_app", "visitors.sign_out_in_app", "visitors.book",
                 "visitors.book_save"}
    undeclared = sorted(e for e, _, _ in _routes(app) if e not in any_staff and not _required(app, e))
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES + [None])
def test_role_gets_403_exactly_where_it_lacks_every_required_permission(app, db, login, role):
    user = make_user(*([role] if role else []), site=make_site())
    db.session.commit()
    client = login(user)
    held = ROLE_PERMISSIONS.get(role, set())
    wrong = {}
    for endpoint, url, _ in _routes(app, method="GET"):
        required = _required(app, endpoint)
        expect_403 = bool(required) and not (held & set(required))
        try:
            status = client.get(url).status_code
        except Exception as e:  # the view crashed: report it with the others
            db.session.rollback()
            wrong[endpoint] = repr(e)
            continue
        if expect_403 and status != 403:
            wrong[endpoint] = f"{status}, expected 403"
        elif not expect_403 and status not in (200, 302, 404):
            wrong[endpoint] = f"{status}, expected 200, 302 or 404"
    assert wrong == {}, f"role {role}: {wrong}"


def _in(locale, text):
    with force_locale(locale):
        return gettext(text)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_404_page_in_both_languages(db, client, locale):
    client.post("/locale", data={"locale": locale})

    response = client.get("/no/such/page")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert _in(locale, "Not found") in page
    assert _in(locale, "There is no such page, or the record does not exist.") in page


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_403_page_in_both_languages(db, login, locale):
    client = login(make_user("clerk", locale=locale))

    response = client.get("/users")

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert _in(locale, "Not allowed") in page
    assert _in(locale, "Your roles do not allow this page. Ask an administrator if you need it.") in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_csrf_page_in_both_languages(db, client, locale):
    with client.session_transaction() as session:
        session["locale"] = locale

    response = client.post("/login", data={"username": "x", "password": "y"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _in(locale, "Form expired") in page
    assert _in(locale, "The form had expired or was not sent from this desk. Go back, reload the page and try "
                       "again. Nothing was changed.") in page


@pytest.mark.parametrize("app_config", [{"PROPAGATE_EXCEPTIONS": False}])
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_500_page_in_both_languages_and_no_traceback(app, db, client, locale):
    def broken():
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    with client.session_transaction() as session:
        session["locale"] = locale

    response = client.get("/broken-for-test")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert _in(locale, "Something went wrong") in page
    assert "secret detail" not in page and "Traceback" not in page
