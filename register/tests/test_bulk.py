import uuid

import pytest
from rest_framework.test import APIClient

from register.models import BulkCorrection, Correction
from surveys.models import Change, Enrollment, Resident
from sync.tests.helpers import op, push
from tests.factories import ROUND

pytestmark = pytest.mark.django_db


def children(city):
    return list(
        Resident.objects.filter(birth_year=2014, commune=city.commune_a).order_by("sort_key")
    )


def test_bulk_school_preview_apply_and_undo(city, people, officer, officer_client):
    from audit.models import AuditEvent

    ids = [str(p.pk) for p in children(city)]
    body = {
        "selection": {"ids": ids},
        "change": {"set": {"enrollment.school": "THCS Trần Phú"}},
        "round": ROUND,
    }
    preview = officer_client.post("/api/register/bulk/preview/", body, format="json")
    assert preview.status_code == 200, preview.json()
    rows = {r["full_name"]: r for r in preview.json()["rows"]}
    assert preview.json()["ok"] == 3
    assert rows["Trần Thị Hà"]["changes"]["enrollment"][0]["school"] == "THCS Lê Chân"
    assert rows["Trần Thị Hà"]["changes"]["enrollment"][1]["school"] == "THCS Trần Phú"
    assert not Change.objects.filter(
        source__startswith="bulk:"
    ).exists()  # a preview writes nothing

    applied = officer_client.post("/api/register/bulk/", body, format="json")
    assert applied.status_code == 201, applied.json()
    bulk = BulkCorrection.objects.get(pk=applied.json()["id"])
    assert (bulk.total, bulk.applied, bulk.skipped) == (3, 3, 0)
    assert set(
        Enrollment.objects.filter(resident_id__in=ids, round_id=ROUND).values_list(
            "school", flat=True
        )
    ) == {"THCS Trần Phú"}
    made = Change.objects.filter(source=f"bulk:{bulk.pk}")
    assert made.count() == 3 and set(made.values_list("op_id", flat=True)) == set(
        bulk.corrections.values_list("op_id", flat=True)
    )
    assert AuditEvent.objects.filter(action="bulk_correction.apply", user=officer, count=3).exists()

    ha = Resident.objects.get(full_name="Trần Thị Hà")
    client = APIClient()
    client.force_login(officer)
    page = client.post(f"/register/bulk/{bulk.pk}/", {"reason": ""})
    assert page.status_code == 302
    undo = BulkCorrection.objects.get(undo_of=bulk)
    assert (undo.applied, undo.skipped) == (3, 0)
    assert Enrollment.objects.get(resident=ha, round_id=ROUND).school == "THCS Lê Chân"
    assert AuditEvent.objects.filter(action="bulk_correction.undo", user=officer).exists()


def test_bulk_undo_skips_what_changed_since(city, people, phone, officer_client):
    hương = Resident.objects.get(full_name="Nguyễn Thị Hương")  # in A1: the phone's village
    hường = Resident.objects.get(full_name="Đặng Thị Hường")
    body = {
        "selection": {"ids": [str(hương.pk), str(hường.pk)]},
        "change": {"set": {"disability": "can_study"}},
        "round": ROUND,
    }
    bulk = officer_client.post("/api/register/bulk/", body, format="json").json()
    assert bulk["applied"] == 2
    push(
        phone,
        [
            op(
                "resident.upsert",
                hương.pk,
                {"disability": "cannot_study"},
                base_version=2,
                base={"disability": "can_study"},
            )
        ],
    )
    undo = officer_client.post(f"/api/register/bulk/{bulk['id']}/undo/", {}, format="json")
    assert undo.status_code == 201, undo.json()
    assert (undo.json()["applied"], undo.json()["skipped"]) == (1, 1)
    assert (
        undo.json()["report"][0]["resident"] == str(hương.pk)
        and "changes.disability" in undo.json()["report"][0]["errors"]
    )
    assert Resident.objects.get(pk=hương.pk).disability == "cannot_study"
    assert Resident.objects.get(pk=hường.pk).disability == "none"
    again = officer_client.post(f"/api/register/bulk/{bulk['id']}/undo/", {}, format="json")
    assert again.status_code == 400


def test_bulk_moved_out_preview_names_the_rows_that_would_fail(city, people, officer_client):
    body = {
        "selection": {"search": {"birth_year": "2014"}},
        "change": {"set": {"status": "moved_out", "status_year": ROUND}},
        "round": ROUND,
    }
    preview = officer_client.post("/api/register/bulk/preview/", body, format="json").json()
    states = {r["full_name"]: r for r in preview["rows"]}
    assert (
        preview["total"] == 3 and preview["invalid"] == 3
    )  # all enrolled: moving out needs the enrollment removed
    assert "enrollment" in states["Trần Thị Hà"]["errors"]
    body["change"]["set"]["enrollment"] = None
    preview = officer_client.post("/api/register/bulk/preview/", body, format="json").json()
    assert preview["ok"] == 3 and preview["invalid"] == 0
    done = officer_client.post("/api/register/bulk/", body, format="json").json()
    assert done["applied"] == 3
    assert set(
        Resident.objects.filter(birth_year=2014, commune=city.commune_a).values_list(
            "status", "status_year"
        )
    ) == {("moved_out", ROUND)}


def test_bulk_refuses_more_than_the_cap_and_bad_fields(city, people, officer_client):
    body = {
        "selection": {"ids": [str(uuid.uuid4()) for _ in range(2001)]},
        "change": {"set": {"status": "present"}},
    }
    response = officer_client.post("/api/register/bulk/preview/", body, format="json")
    assert response.status_code == 400 and "2000" in response.json()["errors"]["selection"][
        0
    ].replace(".", "").replace(",", "")
    bad = officer_client.post(
        "/api/register/bulk/preview/",
        {"selection": {"ids": [str(children(city)[0].pk)]}, "change": {"set": {"full_name": "X"}}},
        format="json",
    )
    assert bad.status_code == 400 and "change.set.full_name" in bad.json()["errors"]


def test_bulk_pages_preview_then_apply(city, people, officer):
    client = APIClient()
    client.force_login(officer)
    assert client.get("/register/bulk/").status_code == 200
    form = {
        "birth_year": "2014",
        "field": "enrollment.school",
        "value": "THCS Trần Phú",
        "action": "preview",
    }
    preview = client.post("/register/bulk/", form)
    html = preview.content.decode()
    assert preview.status_code == 200 and "THCS Lê Chân" in html and "THCS Trần Phú" in html
    assert not Correction.objects.exists()
    applied = client.post("/register/bulk/", {**form, "action": "apply"})
    assert applied.status_code == 302
    bulk = BulkCorrection.objects.get()
    detail = client.get(applied["Location"]).content.decode()
    assert bulk.applied == 3 and "Trần Thị Hà" in detail
