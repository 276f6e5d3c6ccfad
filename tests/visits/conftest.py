"""Customer-visit test data: 星河产业园 with buildings A and B, four tenant companies (two in each
building), account managers 陈思远 (portfolio: 云启科技, 恒通物流) and 王敏 (portfolio: 博远医疗), a
company nobody looks after yet (绿源食品), a customer-service supervisor, a project manager, an
admin, a clerk and a technician; and 海港大厦, another park with a company of its own.

Every service call passes its `now`: `at(...)` gives an instant from Shanghai wall time. The park
is committed; so is each step a test takes, as a page commits it."""
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

from frontdesk.core.clock import BUSINESS_TZ
from frontdesk.extensions import db
from frontdesk.visits import services
from tests.factories import make_building, make_customer, make_site, make_unit, make_user


def at(year, month, day, hour=10, minute=0) -> datetime:
    """An instant given as Shanghai wall time (UTC-aware, as the services want it)."""
    return datetime(year, month, day, hour, minute, tzinfo=BUSINESS_TZ).astimezone(timezone.utc)


T0 = at(2026, 4, 1, 9)  # a Wednesday: the assignments
TODAY = date(2026, 4, 1)


@dataclass
class Park:
    site: object
    building_a: object
    building_b: object
    yunqi: object  # 云启科技, A座, 陈思远's
    hengtong: object  # 恒通物流, B座, 陈思远's
    boyuan: object  # 博远医疗, A座, 王敏's
    lvyuan: object  # 绿源食品, B座, nobody's
    chen: object  # account manager 陈思远
    wang: object  # account manager 王敏
    supervisor: object
    project_manager: object
    admin: object
    clerk: object
    technician: object
    other_site: object
    harbour_company: object


@pytest.fixture
def park(db):
    site = make_site("PARK", kind="park", name="星河产业园", company_name="星河物业服务有限公司")
    a, b = make_building(site, "A", "A座"), make_building(site, "B", "B座")
    yunqi = make_customer(site, "云启科技有限公司", kind="company", phone="13800000001", credit_code="91330100MA0000001X",
                          unit=make_unit(a, "A-301"), role="tenant")
    hengtong = make_customer(site, "恒通物流有限公司", kind="company", phone="13800000002",
                             credit_code="91330100MA0000002X", unit=make_unit(b, "B-101"), role="tenant")
    boyuan = make_customer(site, "博远医疗器械有限公司", kind="company", phone="13800000003",
                           credit_code="91330100MA0000003X", unit=make_unit(a, "A-502"), role="tenant")
    lvyuan = make_customer(site, "绿源食品有限公司", kind="company", phone="13800000004",
                           credit_code="91330100MA0000004X", unit=make_unit(b, "B-202"), role="tenant")
    other_site = make_site("HARB", kind="park", name="海港产业园", company_name="海港物业服务有限公司")
    harbour = make_customer(other_site, "海港贸易有限公司", kind="company", credit_code="91330100MA0000009X",
                            unit=make_unit(make_building(other_site, "A", "A座"), "A-101"), role="tenant")
    chen = make_user("account_manager", site=site, full_name="陈思远", username="chen")
    wang = make_user("account_manager", site=site, full_name="王敏", username="wang")
    supervisor = make_user("supervisor", site=site, full_name="周主管", username="zhou")
    project_manager = make_user("project_manager", site=site, full_name="郑经理", username="zheng")
    admin = make_user("admin", site=site, full_name="管理员", username="admin1")
    clerk = make_user("clerk", site=site, full_name="李娟", username="lijuan")
    technician = make_user("technician", site=site, full_name="张师傅", username="zhang")
    for company, manager in ((yunqi, chen), (hengtong, chen), (boyuan, wang)):
        services.assign(site, company, manager.id, actor=supervisor, now=T0)
    db.session.commit()
    return Park(site, a, b, yunqi, hengtong, boyuan, lvyuan, chen, wang, supervisor, project_manager, admin, clerk,
                technician, other_site, harbour)
