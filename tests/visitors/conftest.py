import pytest

from tests.visitors.factories import make_desk


@pytest.fixture
def desk(db):
    """The park desk of factories.make_desk, committed."""
    made = make_desk()
    db.session.commit()
    return made
