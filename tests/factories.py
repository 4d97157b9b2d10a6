"""Test data made through the real services (no JSON fixtures)."""

import uuid
from dataclasses import dataclass

from areas.models import Area
from areas.services import area_upsert, user_upsert
from surveys.services import household_upsert

ROUND = 2025


@dataclass
class City:
    city: Area
    district: Area
    commune_a: Area  # under the district (legacy three-tier shape)
    commune_b: Area  # directly under the city (two-tier shape)
    village_a1: Area
    village_a2: Area
    village_b1: Area
    other_city: Area
    other_commune: Area
    other_village: Area


def area(code, name, kind, parent=None, difficult=False) -> Area:
    return area_upsert(code=code, name=name, kind=kind, parent=parent, difficult=difficult).area


def make_city() -> City:
    city = area("31", "Thành phố Hải Phòng", "city")
    district = area("303", "Quận Lê Chân", "district", city)
    commune_a = area("11311", "Phường Lê Chân", "commune", district)
    commune_b = area("11602", "Xã Thủy Nguyên", "commune", city, difficult=True)
    other_city = area("01", "Thành phố Hà Nội", "city")
    other_commune = area("00004", "Phường Ba Đình", "commune", other_city)
    return City(
        city=city,
        district=district,
        commune_a=commune_a,
        commune_b=commune_b,
        village_a1=area("11311-01", "Tổ dân phố 1", "village", commune_a),
        village_a2=area("11311-02", "Tổ dân phố 2", "village", commune_a),
        village_b1=area("11602-01", "Thôn 1", "village", commune_b),
        other_city=other_city,
        other_commune=other_commune,
        other_village=area("00004-01", "Tổ 1", "village", other_commune),
    )


def make_user(username: str, role: str, area: Area, password: str = "mật-khẩu-thử-123"):
    return user_upsert(username=username, role=role, area=area, password=password).user


def api_client(user):
    """A REST client signed in as ``user`` (no CSRF, as a token client)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def member(**overrides) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "full_name": "Nguyễn Văn Nam",
        "sex": "male",
        "birth_year": 1985,
        "birth_month": 4,
        "birth_day": 12,
        "ethnicity": "01",
        "relation": "head",
        "national_id": "",
        "guardian_name": "",
        "status": "present",
        "status_year": None,
        "disability": "none",
        "preschool_completed_year": None,
        "primary_completed_year": 1996,
        "lower_secondary_graduated_year": 2000,
        "upper_secondary_graduated_year": 2003,
        "highest_grade_completed": 12,
        "literacy_stage": 0,
        "dropped_out": None,
        "enrollment": None,
    }
    data.update(overrides)
    return data


def child(**overrides) -> dict:
    data = member(
        full_name="Nguyễn Thị Hương",
        sex="female",
        birth_year=2014,
        birth_month=3,
        birth_day=9,
        relation="child",
        guardian_name="Nguyễn Văn Nam",
        preschool_completed_year=2020,
        primary_completed_year=2025,
        lower_secondary_graduated_year=None,
        upper_secondary_graduated_year=None,
        highest_grade_completed=5,
        enrollment={
            "round": ROUND,
            "level": "lower_secondary",
            "grade": 6,
            "school": "THCS Lê Chân",
        },
    )
    data.update(overrides)
    return data


def household(
    village: Area, number: str = "T01-001", members: list | None = None, **overrides
) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "village": village.code,
        "number": number,
        "address": "Số 12, ngõ 5, Tổ dân phố 1",
        "residence": "permanent",
        "phone": "0912345678",
        "note": "",
        "visit": {"round": ROUND, "date": "2025-09-14"},
        "members": members if members is not None else [member(), child()],
    }
    data.update(overrides)
    return data


def make_household(village: Area, number: str = "T01-001", user=None, **overrides):
    return household_upsert(
        data=household(village, number, **overrides), round_year=ROUND, user=user
    ).household
