"""Users: logging in (with lockout), passwords, roles, deactivation. Every change is audited."""
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
import sqlalchemy as sa

from ..audit.services import record
from ..core.errors import InvalidTransition, NotAllowed, ValidationFailed
from ..extensions import db
from .models import User, UserRole
from .permissions import ROLES

_hasher = PasswordHasher()
# verified against when the username is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash("not a password")
MIN_PASSWORD_LENGTH = 10


def use_password_hasher(hasher: PasswordHasher):
    """Swap the argon2 parameters. The test suite uses cheap ones, as its hashes guard nothing;
    the app keeps argon2's recommended defaults."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("not a password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(user_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# One answer for an unknown name, a wrong password and a locked account: telling them apart
# would let anyone probe which usernames exist (a lock only happens to a real account).
LOGIN_REFUSED = _l("Wrong username or password, or the account is locked. After %(n)s failed attempts "
                   "in a row an account is locked for %(minutes)s minutes; an administrator can unlock it sooner.")


def authenticate(username, password, *, now, max_failures=5, lock_minutes=15):
    """Return the user if the password is right and the account is active and not locked.

    A wrong password counts a failure; `max_failures` in a row lock the account for
    `lock_minutes`. Writes login / login_failed / login_refused audit entries. Raises NotAllowed
    with the same message for an unknown name, a wrong password and a locked account; only
    someone who knows the password learns that the account is deactivated."""
    refused = NotAllowed(LOGIN_REFUSED, n=max_failures, minutes=lock_minutes)
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        record("auth.login_failed", actor=None, now=now, summary=f"unknown user {username!r}"[:300])
        raise refused
    if user.is_locked(now):
        verify_password(_DUMMY_HASH, password)  # same time as a real check
        record("auth.login_refused", actor=user, now=now, obj=user, summary="account locked")
        raise refused
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        summary = f"failure {user.failed_logins}"
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            summary = f"locked for {lock_minutes} minutes"
        record("auth.login_failed", actor=user, now=now, obj=user, summary=summary)
        raise refused
    if not user.active:
        record("auth.login_refused", actor=user, now=now, obj=user, summary="deactivated")
        raise NotAllowed(_l("This account has been deactivated. Ask an administrator."))
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
    full_name = (full_name or "").strip()
    if not username:
        raise ValidationFailed(_l("Enter a username."), field="username")
    if not full_name:
        raise ValidationFailed(_l("Enter the full name."), field="full_name")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationFailed(_l("The username %(name)s is taken."), field="username", name=username)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValidationFailed(_l("Unknown role."), field="roles")
    check_password_rules(password, username)
    user = User(username=username, full_name=full_name, password_hash=hash_password(password),
                active=True, locale=locale, created_at=now, site=site, failed_logins=0, session_version=1)
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles), key=ROLES.index)]
    db.session.add(user)
    db.session.flush()
    record("user.create", actor=actor, now=now, obj=user, summary=username,
           after={"username": username, **_details(user)})
    return user


def set_roles(user, roles, *, actor, now, audit=True):
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
    if audit and before != user.roles:
        record("user.roles", actor=actor, now=now, obj=user, before={"roles": before}, after={"roles": user.roles})


def set_active(user, active, *, actor, now):
    """Deactivate (or reactivate) a user; deactivation ends their sessions."""
    if actor is not None and actor.id == user.id and not active:
        raise NotAllowed(_l("You cannot deactivate your own account."))
    if user.active == active:
        raise InvalidTransition(_l("This account is already active.") if active else _l("This account is already deactivated."))
    user.active = active
    user.session_version += 1
    record("user.activate" if active else "user.deactivate", actor=actor, now=now, obj=user)


def unlock(user, *, actor, now):
    """Lift a lock left by failed logins before it runs out. Raises InvalidTransition when the
    account is not locked."""
    if not user.is_locked(now):
        raise InvalidTransition(_l("This account is not locked."))
    user.locked_until = None
    user.failed_logins = 0
    record("user.unlock", actor=actor, now=now, obj=user)


def update_user(user, *, full_name, site, roles, actor, now):
    """Change a user's name, desk and roles in one step. Raises ValidationFailed for an empty
    name or an unknown role, NotAllowed when admins would take the admin role from themselves.
    Logs user.update with the values before and after."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed(_l("Enter the full name."), field="full_name")
    before = _details(user)
    set_roles(user, roles, actor=actor, now=now, audit=False)
    user.full_name = full_name
    user.site = site
    after = _details(user)
    changed = {k for k in before if before[k] != after[k]}
    if changed:
        record("user.update", actor=actor, now=now, obj=user, summary=user.username,
               before={k: before[k] for k in sorted(changed)}, after={k: after[k] for k in sorted(changed)})


def _details(user):
    return {"full_name": user.full_name, "site": user.site.code if user.site else None, "roles": user.roles}


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
    """Keep the user's language choice for later logins. Not audited: it changes nothing but the screen."""
    user.locale = locale
