"""Small factories for test data. Each commits nothing: tests commit when they need to."""
import threading
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import count

from flask_babel import force_locale

from frontdesk.auth import services as auth_services
from frontdesk.auth.models import User, UserRole
from frontdesk.estate.models import Building, Customer, Occupancy, Site, Unit
from frontdesk.extensions import db

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 3, 31, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
_seq = count(1)

# hashing with argon2 costs ~50 ms; one hash serves every test user
_HASH = None


def _password_hash():
    global _HASH
    if _HASH is None:
        _HASH = auth_services.hash_password(PASSWORD)
    return _HASH


def make_user(*roles, username=None, site=None, full_name=None, locale="zh_CN"):
    n = next(_seq)
    user = User(username=username or f"user{n}", full_name=full_name or f"Staff {n}", password_hash=_password_hash(),
                active=True, locale=locale, site=site, failed_logins=0, session_version=1, created_at=NOW)
    user.role_rows = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    return user


def make_site(code=None, kind="park", **kw):
    n = next(_seq)
    site = Site(code=code or f"S{n}", name=kw.pop("name", f"Site {n}"), kind=kind,
                company_name=kw.pop("company_name", "示例物业服务有限公司"), receipt_prefix=kw.pop("receipt_prefix", "SJ"), **kw)
    db.session.add(site)
    db.session.flush()
    return site


def make_building(site, code="A", name=None):
    b = Building(site=site, code=code, name=name or f"{code}座")
    db.session.add(b)
    db.session.flush()
    return b


def make_unit(building, number=None, area="100.00", use="office", floor=None):
    n = next(_seq)
    u = Unit(site_id=building.site_id, building=building, number=number or f"{building.code}-{1000 + n}",
             area=Decimal(area), use=use, floor=floor)
    db.session.add(u)
    db.session.flush()
    return u


def make_customer(site, name=None, kind="person", phone=None, credit_code=None, unit=None, role="owner",
                  start_on=date(2020, 1, 1)):
    n = next(_seq)
    c = Customer(site_id=site.id, kind=kind, name=name or f"客户{n}", phone=phone,
                 phone_last4=phone[-4:] if phone else None, credit_code=credit_code, created_at=NOW, note="")
    db.session.add(c)
    db.session.flush()
    if unit is not None:
        db.session.add(Occupancy(unit=unit, customer=c, role=role, start_on=start_on, billed=True))
        db.session.flush()
    return c


def english(error):
    """An error (or any lazy message) as the English interface shows it."""
    with force_locale("en"):
        return str(error)


THREADS = 8


def run_together(app, work, threads=THREADS):
    """Run work(i, db) in `threads` threads released at the same moment, each with its own app
    context and session; commit what succeeds and roll back what is refused, as a page does.
    Returns what each returned or raised (a refusal is a result; anything else fails the asserts)."""
    from frontdesk.extensions import db

    barrier = threading.Barrier(threads)
    results = [None] * threads

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i, db)
                db.session.commit()
            except Exception as e:  # noqa: BLE001
                db.session.rollback()
                results[i] = e
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    return results
