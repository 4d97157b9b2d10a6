"""Form photos: only real images, re-encoded to JPEG without location data, scoped like households."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from field.models import FormPhoto
from tests.factories import make_household, make_user

pytestmark = pytest.mark.django_db

GPS = 0x8825


def photo_bytes(fmt="JPEG", size=(3000, 2000), gps=True, orientation=None) -> bytes:
    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif.get_ifd(GPS).update({1: "N", 2: (20.0, 51.0, 30.5), 3: "E", 4: (106.0, 41.0, 2.0)})
    out = io.BytesIO()
    image.save(
        out, fmt, exif=exif, comment=b"toa do 20.85,106.68"
    ) if fmt == "JPEG" else image.save(out, fmt, exif=exif)
    return out.getvalue()


def upload(client, household_id, data: bytes, name="phieu.jpg", photo_id=None):
    body = {
        "id": str(photo_id or uuid.uuid4()),
        "photo": SimpleUploadedFile(name, data, content_type="image/jpeg"),
    }
    return client.post(f"/api/households/{household_id}/photos/", body, format="multipart")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_photo_with_gps_is_stored_as_jpeg_without_any_metadata(phone, city, media):
    household = make_household(city.village_a1)
    response = upload(phone, household.pk, photo_bytes())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"]) == (2000, 1333) and body["household"] == str(
        household.pk
    )
    photo = FormPhoto.objects.get(pk=body["id"])
    assert photo.image.name == f"households/{household.commune.code}/{household.pk}/{photo.pk}.jpg"
    with Image.open(media / photo.image.name) as stored:
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {} and not stored.getexif().get_ifd(GPS)
        assert (
            "exif" not in stored.info and "comment" not in stored.info and "xmp" not in stored.info
        )
    assert b"PhoneMaker" not in (media / photo.image.name).read_bytes()


def test_the_exif_orientation_is_applied_before_it_is_dropped(phone, city, media):
    household = make_household(city.village_a1)
    body = upload(
        phone, household.pk, photo_bytes(size=(1200, 800), orientation=6)
    ).json()  # rotated 90°
    assert (body["width"], body["height"]) == (800, 1200)


def test_png_and_webp_are_accepted_and_re_encoded(phone, city):
    household = make_household(city.village_a1)
    for fmt in ("PNG", "WEBP"):
        response = upload(
            phone,
            household.pk,
            photo_bytes(fmt, size=(400, 300), gps=False),
            name=f"p.{fmt.lower()}",
        )
        assert response.status_code == 201
        assert FormPhoto.objects.get(pk=response.json()["id"]).image.name.endswith(".jpg")


@pytest.mark.parametrize(
    "data", [b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 200, b"GIF89a" + b"\x00" * 100]
)
def test_what_is_not_a_real_photo_is_refused_in_vietnamese(phone, city, data):
    household = make_household(city.village_a1)
    response = upload(phone, household.pk, data)
    assert response.status_code == 400
    assert response.json()["errors"]["photo"] == ["Tệp không phải là ảnh (JPEG, PNG hoặc WebP)."]
    assert not FormPhoto.objects.exists()


def test_a_truncated_jpeg_is_refused(phone, city):
    household = make_household(city.village_a1)
    data = photo_bytes(size=(800, 600))
    assert upload(phone, household.pk, data[: len(data) // 2]).status_code == 400


def test_a_photo_above_the_size_cap_is_refused(phone, city, monkeypatch):
    import field.apis

    monkeypatch.setattr(field.apis, "MAX_UPLOAD_BYTES", 1000)
    household = make_household(city.village_a1)
    response = upload(phone, household.pk, photo_bytes(size=(800, 600)))
    assert response.status_code == 413 and "photo" not in response.json()["errors"]


def test_the_same_photo_id_twice_is_stored_once(phone, city):
    household = make_household(city.village_a1)
    photo_id = uuid.uuid4()
    assert (
        upload(phone, household.pk, photo_bytes(size=(400, 300)), photo_id=photo_id).status_code
        == 201
    )
    again = upload(phone, household.pk, photo_bytes(size=(400, 300)), photo_id=photo_id)
    assert again.status_code == 200 and again.json()["id"] == str(photo_id)
    assert FormPhoto.objects.count() == 1


def test_out_of_scope_is_not_found_for_upload_list_and_file(phone, city):
    foreign = make_household(city.village_a2, "T02-001")
    assert upload(phone, foreign.pk, photo_bytes(size=(400, 300))).status_code == 404
    assert phone.get(f"/api/households/{foreign.pk}/photos/").status_code == 404
    from rest_framework.test import APIClient

    officer = APIClient()
    officer.force_authenticate(make_user("xa", "commune_officer", city.commune_a))
    photo_id = upload(officer, foreign.pk, photo_bytes(size=(400, 300))).json()["id"]
    assert phone.get(f"/api/households/{foreign.pk}/photos/{photo_id}").status_code == 404
    assert (
        upload(
            phone, make_household(city.village_a1).pk, photo_bytes(size=(40, 30)), photo_id=photo_id
        ).status_code
        == 404
    )
    file = officer.get(f"/api/households/{foreign.pk}/photos/{photo_id}")
    assert file.status_code == 200 and file["Content-Type"] == "image/jpeg"
    assert b"".join(file.streaming_content)[:2] == b"\xff\xd8"
    listed = officer.get(f"/api/households/{foreign.pk}/photos/").json()
    assert [p["id"] for p in listed] == [photo_id] and listed[0]["uploaded_by"] == "xa"
