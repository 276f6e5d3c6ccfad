import pytest

from frontdesk.core import clock
from tests.factories import NOW


@pytest.fixture
def frozen_clock(monkeypatch):
    """Pages read the clock through core.clock: pin it to the factories' NOW (2026-03-31 10:00 Shanghai)."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


@pytest.fixture
def as_user(db, client, login, frozen_clock):
    """Log a user in with the English interface, so pages read the source strings. Whoever was
    logged in before is logged out first."""
    def do(user):
        user.locale = "en"
        db.session.commit()
        client.post("/logout")
        return login(user)

    return do
