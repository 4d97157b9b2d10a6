"""Personal data (docs/security.md): national IDs masked for roles that do not need them on every
way out (household API, sync pull, conflicts, duplicates), a masked value never written back,
person-list reads recorded in the audit log, and uploads accepted only as real, bounded files."""

import io
import uuid
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.models import AuditEvent
from field.models import FormPhoto
from tests.factories import ROUND, api_client, child, household, make_household, make_user, member

pytestmark = pytest.mark.django_db

NID = "031085001234"
MASKED = "********1234"


@pytest.fixture
def people(city):
    home = make_household(city.village_a1, "T01-009", members=[member(national_id=NID), child()])
    users = {
        "surveyor": make_user("gv", "surveyor", city.village_a1),
        "commune_officer": make_user("cb", "commune_officer", city.commune_a),
        "district_supervisor": make_user("gs", "district_supervisor", city.district),
        "city_staff": make_user("so", "city_staff", city.city),
    }
    return home, users


def ids_in(body) -> set:
    found = set()
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "national_id" and isinstance(value, str) and value:
                found.add(value)
            else:
                found |= ids_in(value)
    elif isinstance(body, list):
        for value in body:
            found |= ids_in(value)
    return found


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("surveyor", NID),
        ("commune_officer", NID),
        ("district_supervisor", MASKED),
        ("city_staff", MASKED),
    ],
)
def test_the_household_api_masks_ids_for_roles_that_do_not_need_them(people, role, seen):
    home, users = people
    api = api_client(users[role])
    assert ids_in(api.get(f"/api/households/{home.pk}/?round={ROUND}").json()) == {seen}
    assert ids_in(api.get(f"/api/households/?round={ROUND}").json()) == {seen}
    assert ids_in(api.get(f"/api/sync/pull?cursor=0&round={ROUND}").json()) == {seen}


def test_the_permission_shows_ids_in_full(people):
    home, users = people
    users["city_staff"].user_permissions.add(Permission.objects.get(codename="view_national_id"))
    staff = get_user_model().objects.get(pk=users["city_staff"].pk)
    assert ids_in(api_client(staff).get(f"/api/households/{home.pk}/").json()) == {NID}


def test_a_masked_id_sent_back_unchanged_keeps_the_stored_one(people, city):
    home, users = people
    api = api_client(users["city_staff"])
    body = api.get(f"/api/households/{home.pk}/?round={ROUND}").json()
    body["note"] = "đã kiểm tra"
    response = api.put(f"/api/households/{home.pk}/?round={ROUND}", body, format="json")
    assert response.status_code == 200, response.json()
    head = home.members.get(full_name="Nguyễn Văn Nam")
    assert head.national_id == NID  # not the mask
    # A mask that is not the stored ID's is refused, naming the field.
    body = api.get(f"/api/households/{home.pk}/?round={ROUND}").json()
    body["members"][0]["national_id"] = "********9999"
    response = api.put(f"/api/households/{home.pk}/?round={ROUND}", body, format="json")
    assert response.status_code == 400 and "members.0.national_id" in str(response.json()["errors"])
    head.refresh_from_db()
    assert head.national_id == NID


def test_a_phone_cannot_write_a_masked_id(people, city):
    _home, users = people
    data = household(city.village_a1, "T01-010", members=[member(national_id=MASKED)])
    response = api_client(users["surveyor"]).post(
        f"/api/households/?round={ROUND}", data, format="json"
    )
    assert response.status_code == 400 and "national_id" in str(response.json()["errors"])


def test_person_list_reads_are_audited(people, city):
    home, users = people
    api = api_client(users["city_staff"])
    api.get(f"/api/households/?round={ROUND}")
    api.get(f"/api/households/{home.pk}/?round={ROUND}")
    api.get(f"/api/sync/pull?cursor=0&round={ROUND}")
    api.get(f"/api/indicators/{city.commune_a.code}/drilldown/th_completed_at11/?round={ROUND}")
    events = list(AuditEvent.objects.order_by("id").values_list("action", "username", "count"))
    assert events[0] == ("person_list.read", "so", 2)
    assert events[1] == ("household.read", "so", 2)
    assert events[2] == ("sync.pull", "so", 2)
    assert events[3][0:2] == ("indicator_list.read", "so")
    assert AuditEvent.objects.filter(action="household.read").get().target == f"household:{home.pk}"
    # The city's staff read them in the viewer.
    body = api.get("/api/audit/events/?action=household.read").json()
    assert body["count"] == 1 and body["results"][0]["area"] == city.village_a1.code


def test_duplicate_pairs_mask_ids_and_are_audited(people, city):
    from dedup.models import DuplicatePair

    home, users = people
    other = make_household(city.village_a2, "T02-001", members=[member(national_id="031085009999")])
    left = home.members.get(full_name="Nguyễn Văn Nam")
    pair = DuplicatePair.objects.create(
        left=left, right=other.members.get(), score=12.0, reasons=[], round=ROUND
    )
    supervisor = api_client(users["district_supervisor"])
    body = supervisor.get(f"/api/dedup/pairs/{pair.pk}/").json()
    assert ids_in(body) == {MASKED, "********9999"}
    assert ids_in(api_client(users["commune_officer"]).get(f"/api/dedup/pairs/{pair.pk}/").json()) == {
        NID, "031085009999"
    }  # fmt: skip
    supervisor.get("/api/dedup/pairs/")
    assert {"duplicate.read", "duplicate_list.read"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    from django.test import Client

    client = Client()
    client.force_login(users["district_supervisor"])
    page = client.get(f"/dedup/{pair.pk}/").content.decode()
    assert MASKED in page and NID not in page


# --- Uploads ---------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg(size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def upload(client, household_id, data: bytes, name="phieu.jpg"):
    body = {
        "id": str(uuid.uuid4()),
        "photo": SimpleUploadedFile(name, data, content_type="image/jpeg"),
    }
    return client.post(f"/api/households/{household_id}/photos/", body, format="multipart")


def test_a_text_file_named_jpg_is_refused(phone, city, media):
    home = make_household(city.village_a1)
    response = upload(phone, home.pk, b"<script>alert(1)</script>", name="anh.jpg")
    assert response.status_code == 400 and response.json()["errors"]["photo"]
    assert FormPhoto.objects.count() == 0


def test_a_polyglot_is_re_encoded_and_loses_its_payload(phone, city, media):
    """A JPEG with an HTML/zip payload appended: the picture is kept, the rest is gone."""
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as archive:
        archive.writestr("evil.html", "<html><script>alert('x')</script></html>")
    data = jpeg() + b"<html><script>alert('polyglot')</script></html>" + payload.getvalue()
    home = make_household(city.village_a1)
    response = upload(phone, home.pk, data)
    assert response.status_code == 201, response.json()
    stored = (media / FormPhoto.objects.get().image.name).read_bytes()
    assert b"<script>" not in stored and b"evil.html" not in stored
    assert stored.startswith(b"\xff\xd8") and stored.rstrip(b"\x00").endswith(b"\xff\xd9")


def test_an_oversized_photo_is_refused_by_the_setting(phone, city, media, settings, monkeypatch):
    import field.apis
    import field.photos

    assert field.photos.MAX_UPLOAD_BYTES == settings.FIELD_PHOTO_MAX_BYTES
    monkeypatch.setattr(field.apis, "MAX_UPLOAD_BYTES", 2000)
    monkeypatch.setattr(field.photos, "MAX_UPLOAD_BYTES", 2000)
    home = make_household(city.village_a1)
    response = upload(phone, home.pk, jpeg((800, 600)) + b"\x00" * 3000)
    assert response.status_code == 413 and response.json()["message"]
    assert FormPhoto.objects.count() == 0


def test_the_account_import_refuses_what_is_not_a_real_xlsx_and_zip_bombs(city):
    import accounts.imports as imports
    from server.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        imports.sheet_read(data=b"username,villages\nx,y\n")
    assert "file" in refused.value.errors
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", "not a workbook")
    with pytest.raises(ValidationFailed):
        imports.sheet_read(data=plain_zip.getvalue())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (imports.MAX_UNPACKED_BYTES + 1))
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(ValidationFailed) as refused:
        imports.sheet_read(data=bomb.getvalue())
    assert "200 MB" in refused.value.errors["file"][0]


def test_the_account_import_page_caps_the_size(city, client):
    from accounts.forms import ImportForm

    form = ImportForm(
        files={"file": SimpleUploadedFile("a.xlsx", b"x" * (ImportForm.MAX_BYTES + 1))}, data={}
    )
    assert not form.is_valid() and "file" in form.errors


def test_a_sync_push_with_a_masked_id_is_refused_naming_the_field(people, city):
    from sync.tests.helpers import op, push, resident_data

    home, users = people
    head = home.members.get(full_name="Nguyễn Văn Nam")
    data = resident_data(home.pk, national_id=MASKED)
    response = push(
        api_client(users["surveyor"]),
        [op("resident.upsert", head.pk, data, base_version=head.version)],
    )
    result = response.json()["results"][0]
    assert result["status"] != "applied" and "national_id" in str(result.get("errors", result))
    head.refresh_from_db()
    assert head.national_id == NID
