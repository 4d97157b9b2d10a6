import re

import pytest
from rest_framework.test import APIClient

from register.models import Correction
from surveys.models import Change, Resident
from sync.models import Conflict
from sync.tests.helpers import DEVICE, op, push
from tests.factories import ROUND, api_client, make_user

pytestmark = pytest.mark.django_db


def correct(
    client, person, changes, *, base=None, base_version=None, reason=None, entity="resident"
):
    body = {
        "entity": entity,
        "entity_id": str(person.pk),
        "base_version": base_version or person.version,
        "base": base if base is not None else {k: getattr(person, k) for k in changes},
        "changes": changes,
        "round": ROUND,
    }
    if reason is not None:
        body["reason"] = reason
    return client.post("/api/register/corrections/", body, format="json")


def pull(client, cursor):
    body = client.get(
        f"/api/sync/pull?cursor={cursor}&device={DEVICE}&round={ROUND}&limit=500"
    ).json()
    return body["changes"], body["cursor"]


def test_a_correction_reaches_the_phone_on_its_next_pull(city, people, phone, officer_client):
    _changes, cursor = pull(phone, 0)
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    response = correct(officer_client, nam, {"full_name": "Nguyễn Văn Năm", "birth_year": 1986})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "applied" and body["applied"] == {
        "full_name": ["Nguyễn Văn Nam", "Nguyễn Văn Năm"],
        "birth_year": [1985, 1986],
    }
    changes, _cursor = pull(phone, cursor)
    mine = [
        c
        for c in changes
        if c.get("id") == str(nam.pk) or c.get("data", {}).get("id") == str(nam.pk)
    ]
    assert len(mine) == 1
    data = mine[0]["data"]
    assert (data["full_name"], data["birth_year"], data["version"]) == ("Nguyễn Văn Năm", 1986, 2)
    change = Change.objects.get(entity_id=nam.pk, version=2)
    assert change.source == f"register:{body['id']}" and str(change.op_id) == body["op_id"]
    nam.refresh_from_db()
    assert (
        nam.name_folded == "nguyen van nam" and nam.sort_key
    )  # search keeps working after the correction


def test_a_stale_correction_becomes_a_conflict_not_an_overwrite(
    city, people, phone, officer_client
):
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    shown_version = nam.version
    # The surveyor changes the birth year and the guardian on the phone meanwhile.
    result = push(
        phone,
        [
            op(
                "resident.upsert",
                nam.pk,
                {"birth_year": 1984, "guardian_name": "Bà Lan"},
                base_version=1,
                base={"birth_year": 1985, "guardian_name": ""},
            )
        ],
    ).json()["results"][0]
    assert result["status"] == "applied"
    response = correct(
        officer_client,
        nam,
        {"birth_year": 1986, "ethnicity": "02"},
        base={"birth_year": 1985, "ethnicity": "01"},
        base_version=shown_version,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "conflict" and body["conflict_id"]
    nam.refresh_from_db()
    assert nam.birth_year == 1984  # the phone's value stays
    assert nam.ethnicity == "02" and nam.guardian_name == "Bà Lan"  # the disjoint fields merged
    conflict = Conflict.objects.get(pk=body["conflict_id"])
    assert conflict.status == "open" and conflict.device is None
    assert (conflict.fields["birth_year"]["mine"], conflict.fields["birth_year"]["theirs"]) == (
        1986,
        1984,
    )


def test_correction_needs_a_manager_in_scope_and_valid_values(city, people, phone, officer_client):
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    assert (
        correct(phone, nam, {"birth_year": 1986}).status_code == 403
    )  # surveyors correct on the phone
    other = make_user("xb", "commune_officer", city.commune_b)
    assert correct(api_client(other), nam, {"birth_year": 1986}).status_code == 404
    bad = correct(officer_client, nam, {"birth_year": 1850})
    assert bad.status_code == 400 and "changes.birth_year" in bad.json()["errors"]
    missing_base = correct(officer_client, nam, {"birth_year": 1986}, base={})
    assert missing_base.status_code == 400 and "base.birth_year" in missing_base.json()["errors"]
    assert not Correction.objects.exists() and Resident.objects.get(pk=nam.pk).version == 1


def test_city_staff_may_not_correct_national_ids(city, people, city_staff):
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    response = correct(api_client(city_staff), nam, {"national_id": "031085009999"})
    assert response.status_code == 400 and "changes.national_id" in response.json()["errors"]


def test_after_sign_off_a_correction_needs_a_reason_and_is_flagged(
    city, people, officer, officer_client, monkeypatch
):
    from surveys import signoff

    published = []
    monkeypatch.setattr(
        signoff, "publish_on_commit", lambda codes, event: published.append((codes, event))
    )
    signoff.sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    refused = correct(officer_client, nam, {"birth_year": 1986})
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    assert Resident.objects.get(pk=nam.pk).birth_year == 1985
    done = correct(officer_client, nam, {"birth_year": 1986}, reason="Sai năm sinh theo CCCD")
    assert done.status_code == 201, done.json()
    assert Change.objects.get(entity_id=nam.pk, version=2).reason == "Sai năm sinh theo CCCD"
    events = [e for _codes, e in published if e["type"] == "correction.after_signoff"]
    assert [(e["household"], e["reason"], e["user"]) for e in events] == [
        (str(nam.household_id), "Sai năm sinh theo CCCD", "xa")
    ]


def test_undo_restores_and_is_itself_a_correction_refused_when_changed_since(
    city, people, phone, officer_client
):
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    first = correct(officer_client, nam, {"birth_year": 1986, "guardian_name": "Ông Tư"}).json()
    undo = officer_client.post(f"/api/register/corrections/{first['id']}/undo/", {}, format="json")
    assert undo.status_code == 201, undo.json()
    nam.refresh_from_db()
    assert (nam.birth_year, nam.guardian_name, nam.version) == (1985, "", 3)
    assert (
        undo.json()["undo_of"] == first["id"]
        and undo.json()["source"] == f"register:{undo.json()['id']}"
    )
    again = officer_client.post(f"/api/register/corrections/{first['id']}/undo/", {}, format="json")
    assert again.status_code == 400 and "correction" in again.json()["errors"]
    # A correction whose field the phone changed since cannot be undone blindly.
    second = correct(officer_client, nam, {"birth_year": 1987}).json()
    push(
        phone,
        [
            op(
                "resident.upsert",
                nam.pk,
                {"birth_year": 1983},
                base_version=4,
                base={"birth_year": 1987},
            )
        ],
    )
    refused = officer_client.post(
        f"/api/register/corrections/{second['id']}/undo/", {}, format="json"
    )
    assert refused.status_code == 400 and "changes.birth_year" in refused.json()["errors"]
    assert Resident.objects.get(pk=nam.pk).birth_year == 1983


def test_household_correction_through_the_page_form(city, people, officer):
    household = people["a1"]
    client = APIClient()
    client.force_login(officer)
    page = client.get(f"/register/households/{household.pk}/")
    assert page.status_code == 200
    form = {
        "base_version": household.version,
        "b_number": '"A1-001"',
        "v_number": "A1-001",
        "b_address": '"Số 12, ngõ 5, Tổ dân phố 1"',
        "v_address": "Số 14, ngõ 5",
        "b_residence": '"permanent"',
        "v_residence": "permanent",
        "b_phone": '"0912345678"',
        "v_phone": "0912345678",
        "b_note": '""',
        "v_note": "",
    }
    response = client.post(f"/register/households/{household.pk}/", form)
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.address == "Số 14, ngõ 5" and household.version == 2
    correction = Correction.objects.get()
    assert correction.changes == {"address": "Số 14, ngõ 5"} and correction.entity == "household"
    from audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        user=officer, action="household.read", target=str(household.pk)
    ).exists()


def test_page_form_without_reason_after_sign_off_shows_the_error(city, people, officer):
    from surveys.signoff import sign_off

    sign_off(user=officer, commune=city.commune_a, round_year=ROUND)
    nam = Resident.objects.get(full_name="Nguyễn Văn Nam")
    client = APIClient()
    client.force_login(officer)
    form = {"base_version": 1, "b_birth_year": "1985", "v_birth_year": "1986"}
    page = client.post(f"/register/people/{nam.pk}/", form)
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<p class="error">[^<]*lý do', html)  # the reason error, in Vietnamese
    assert Resident.objects.get(pk=nam.pk).birth_year == 1985
