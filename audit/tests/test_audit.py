"""The audit log: record() never breaks the caller; city staff read their city's events only."""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from rest_framework.test import APIClient

from accounts.pii import is_masked, mask_national_id, may_see_national_id
from audit.models import AuditEvent
from audit.services import record
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_mask_keeps_the_last_four_and_the_length():
    assert mask_national_id("031085001234") == "********1234"
    assert mask_national_id("") == ""
    assert mask_national_id("123") == "***"
    assert is_masked(mask_national_id("031085001234")) and not is_masked("031085001234")


def test_who_sees_national_ids_in_full(city):
    surveyor = make_user("gv", "surveyor", city.village_a1)
    officer = make_user("cb", "commune_officer", city.commune_a)
    supervisor = make_user("gs", "district_supervisor", city.district)
    staff = make_user("so", "city_staff", city.city)
    assert may_see_national_id(user=surveyor) and may_see_national_id(user=officer)
    assert not may_see_national_id(user=supervisor) and not may_see_national_id(user=staff)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_national_id", content_type__app_label="accounts")
    )
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(pk=staff.pk)  # permissions are cached per object
    assert may_see_national_id(user=staff)


def test_record_writes_an_event_with_the_area_and_ip(city, rf):
    user = make_user("so", "city_staff", city.city)
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    record(
        user=user,
        action="person_list.read",
        area=city.commune_a,
        target="list:x",
        count=12,
        request=request,
    )
    event = AuditEvent.objects.get()
    assert (event.username, event.action, event.area, event.count, event.ip) == (
        "so", "person_list.read", city.commune_a, 12, "10.1.2.3",
    )  # fmt: skip
    assert event.area_path == city.commune_a.path


def test_record_never_raises_and_leaves_the_callers_transaction_usable(city, caplog):
    user = make_user("so", "city_staff", city.city)
    with transaction.atomic():
        record(user=user, action="x" * 64, details={"bad": object()})  # not JSON-serialisable
        assert AuditEvent.objects.count() == 0  # the transaction still works
    assert "audit record failed" in caplog.text


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_city_staff_read_their_citys_events_only(city):
    staff = make_user("so", "city_staff", city.city)
    other = make_user("so-hn", "city_staff", city.other_city)
    record(user=staff, action="person_list.read", area=city.commune_a, count=3)
    record(user=staff, action="export.download", area=city.commune_b)
    record(user=other, action="person_list.read", area=city.other_commune)
    body = _api(staff).get("/api/audit/events/").json()
    assert body["count"] == 2 and {e["area"] for e in body["results"]} == {"11311", "11602"}
    body = _api(staff).get("/api/audit/events/?action=export.download").json()
    assert [e["area"] for e in body["results"]] == ["11602"]
    body = _api(staff).get("/api/audit/events/?area=303").json()  # the district's subtree
    assert [e["area"] for e in body["results"]] == ["11311"]
    assert _api(other).get("/api/audit/events/").json()["count"] == 1
    response = _api(staff).get("/api/audit/events/?area=00004")
    assert response.status_code == 400 and "area" in response.json()["errors"]
    response = _api(staff).get("/api/audit/events/?date_from=31-12-2025")
    assert response.status_code == 400 and "date_from" in response.json()["errors"]


def test_date_filters_accept_dd_mm_yyyy(city):
    staff = make_user("so", "city_staff", city.city)
    record(user=staff, action="search", area=city.city)
    from django.utils import timezone

    today = timezone.localdate()
    ok = (
        _api(staff)
        .get(f"/api/audit/events/?date_from={today:%d/%m/%Y}&date_to={today:%d/%m/%Y}")
        .json()
    )
    assert ok["count"] == 1
    tomorrow = today.toordinal() + 1
    import datetime as dt

    later = dt.date.fromordinal(tomorrow)
    assert _api(staff).get(f"/api/audit/events/?date_from={later:%d/%m/%Y}").json()["count"] == 0


@pytest.mark.parametrize(("role", "area"), [("surveyor", "village_a1"), ("commune_officer", "commune_a"),
                                            ("district_supervisor", "district")])  # fmt: skip
def test_other_roles_are_refused(city, client, role, area):
    user = make_user("u", role, getattr(city, area))
    response = _api(user).get("/api/audit/events/")
    assert response.status_code == 403 and response.json()["message"]
    client.force_login(user)
    assert client.get("/audit/").status_code == 403


def test_anonymous_is_refused(city, client):
    assert APIClient().get("/api/audit/events/").status_code in (401, 403)
    response = client.get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_lists_and_filters_in_vietnamese(city, client):
    staff = make_user("so", "city_staff", city.city)
    record(user=staff, action="export.download", area=city.commune_a, target="job:7")
    record(user=staff, action="person_list.read", area=city.commune_b)
    client.force_login(staff)
    page = client.get("/audit/?action=export.download").content.decode()
    assert "Nhật ký truy cập" in page and "job:7" in page and "11602" not in page
    page = client.get("/audit/?date_from=xx").content.decode()
    assert "dd/mm/yyyy" in page
