"""Users: logging in (with lockout), passwords, roles, deactivation. Every change is audited."""
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
import sqlalchemy as sa

from ..audit.services import record
from ..core.errors import NotAllowed, ValidationFailed
from ..extensions import db
from .models import User, UserRole
from .permissions import ROLES

_hasher = PasswordHasher()
# verified against when the username is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash("not a password")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(user_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(username, password, *, now, max_failures=5, lock_minutes=15):
    """Return the user if the password is right and the account is active and not locked.

    A wrong password counts a failure; `max_failures` in a row lock the account for
    `lock_minutes`. Writes login / login_failed / account_locked audit entries. Raises
    NotAllowed with the reason the user may be told (locked, deactivated); a wrong name or
    password is a plain "wrong username or password"."""
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        record("auth.login_failed", actor=None, now=now, summary=f"unknown user {username!r}"[:300])
        raise NotAllowed(_l("Wrong username or password."))
    if user.locked_until and user.locked_until > now:
        record("auth.login_refused", actor=user, now=now, obj=user, summary="account locked")
        raise NotAllowed(_l("Too many failed attempts: this account is locked for a while. Try again later or ask an administrator."))
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        summary = f"failure {user.failed_logins}"
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            summary = f"locked for {lock_minutes} minutes"
        record("auth.login_failed", actor=user, now=now, obj=user, summary=summary)
        raise NotAllowed(_l("Wrong username or password."))
    if not user.active:
        record("auth.login_refused", actor=user, now=now, obj=user, summary="deactivated")
        raise NotAllowed(_l("This account has been deactivated."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record("auth.login", actor=user, now=now, obj=user)
    return user


def check_password_rules(password, username=""):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(_l("A password needs at least %(n)s characters."), field="password", n=MIN_PASSWORD_LENGTH)
    if username and username.lower() in password.lower():
        raise ValidationFailed(_l("The password must not contain the username."), field="password")


def create_user(username, full_name, password, roles, *, actor, now, site=None, locale="zh_CN"):
    """Create an active user with roles. Raises ValidationFailed for a taken username, an
    unknown role or a weak password."""
    username = (username or "").strip()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationFailed(_l("The username %(name)s is taken."), field="username", name=username)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValidationFailed(_l("Unknown role."), field="roles")
    check_password_rules(password, username)
    user = User(username=username, full_name=full_name.strip(), password_hash=hash_password(password),
                active=True, locale=locale, created_at=now, site=site, failed_logins=0, session_version=1)
    user.role_rows = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    record("user.create", actor=actor, now=now, obj=user, after={"username": username, "roles": sorted(roles)})
    return user


def set_roles(user, roles, *, actor, now):
    """Replace a user's roles. An admin cannot take the admin role from themselves, so the
    installation never loses its last way in by accident."""
    roles = set(roles)
    if set(roles) - set(ROLES):
        raise ValidationFailed(_l("Unknown role."), field="roles")
    if actor is not None and actor.id == user.id and "admin" in user.roles and "admin" not in roles:
        raise NotAllowed(_l("You cannot remove your own administrator role."), field="roles")
    before = user.roles
    keep = [r for r in user.role_rows if r.role in roles]
    user.role_rows = keep + [UserRole(role=r) for r in sorted(roles - {r.role for r in keep})]
    db.session.flush()
    record("user.roles", actor=actor, now=now, obj=user, before={"roles": before}, after={"roles": user.roles})


def set_active(user, active, *, actor, now):
    """Deactivate (or reactivate) a user; deactivation ends their sessions."""
    if actor is not None and actor.id == user.id and not active:
        raise NotAllowed(_l("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    user.session_version += 1
    record("user.activate" if active else "user.deactivate", actor=actor, now=now, obj=user)


def unlock(user, *, actor, now):
    user.locked_until = None
    user.failed_logins = 0
    record("user.unlock", actor=actor, now=now, obj=user)


def change_password(user, current, new, *, actor, now):
    """The user's own password change: the current password is required. Ends other sessions."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed(_l("The current password is wrong."), field="current_password")
    check_password_rules(new, user.username)
    if verify_password(user.password_hash, new):
        raise ValidationFailed(_l("The new password must differ from the current one."), field="password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    record("user.password_change", actor=actor, now=now, obj=user)


def reset_password(user, new, *, actor, now):
    """An admin sets a new password for a user (forgotten password)."""
    check_password_rules(new, user.username)
    user.password_hash = hash_password(new)
    user.session_version += 1
    user.locked_until = None
    user.failed_logins = 0
    record("user.password_reset", actor=actor, now=now, obj=user)


def set_locale(user, locale, *, now):
    user.locale = locale
