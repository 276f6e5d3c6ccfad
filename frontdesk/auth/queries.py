"""Read side of users: the admin list and the choices on the user form."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..estate.models import Site
from ..extensions import db
from .models import User
from .permissions import PERMISSION_LABELS, ROLE_LABELS, ROLE_PERMISSIONS, ROLES


def list_users():
    """Every user, active ones first, then by username."""
    return db.session.scalars(
        sa.select(User).options(selectinload(User.site)).order_by(User.active.desc(), User.username)
    ).all()


def site_choices():
    """(id, label) for the site select; 0 is "no particular site" (head office, admins)."""
    sites = db.session.execute(sa.select(Site.id, Site.code, Site.name).order_by(Site.code)).all()
    return [(0, _l("No particular site"))] + [(s.id, f"{s.code} {s.name}") for s in sites]


def role_matrix():
    """Rows of the roles page: each permission with the roles that hold it."""
    return [
        {"permission": perm, "label": label, "roles": {role for role in ROLES if perm in ROLE_PERMISSIONS[role]}}
        for perm, label in PERMISSION_LABELS.items()
    ], [(role, ROLE_LABELS[role]) for role in ROLES]
