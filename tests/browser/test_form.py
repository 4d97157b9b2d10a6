"""The household form: impossible records refused with the server's Vietnamese messages,
member fields that follow age, the photo of the signed form."""

import io

from PIL import Image
from playwright.sync_api import expect

from field.models import FormPhoto
from surveys.models import Household
from tests.browser.conftest import seed
from tests.browser.helpers import open_village, pending, sign_in, wait_synced
from tests.factories import make_household


def start_household(page, village: str, number: str):
    open_village(page, village)
    page.click("#add-household")
    page.wait_for_selector("#household-form")
    page.fill("[name='number']", number)
    page.click("#add-member")
    page.wait_for_selector("#member-form")
    return f"members.{page.get_attribute('#member-form', 'data-index')}."


def test_the_form_refuses_an_impossible_record_with_a_vietnamese_message(
    page, context, city, surveyor
):
    sign_in(page)
    context.set_offline(True)
    prefix = start_household(page, city.village_a1.code, "X-001")
    page.fill(f"[name='{prefix}full_name']", "Ngô Văn Hải")
    page.select_option(f"[name='{prefix}sex']", "male")
    page.fill(f"[name='{prefix}birth_year']", "2010")
    page.press(f"[name='{prefix}birth_year']", "Tab")
    page.fill(
        f"[name='{prefix}primary_completed_year']", "2012"
    )  # finished primary at the age of 2
    page.press(f"[name='{prefix}primary_completed_year']", "Tab")
    error = page.locator(f"[data-error-for='{prefix}primary_completed_year']")
    expect(error).to_have_text(
        "Năm phải từ năm sinh + 5 (2015) trở đi."
    )  # inline, as the server words it
    page.click("#member-done")
    page.click("#save-household")
    expect(page.locator("#form-summary")).to_contain_text("Chưa lưu")
    expect(page.locator(".member-errors")).to_contain_text("lỗi")
    assert pending(page) == 0  # nothing queued
    page.click(".edit-member")
    page.fill(f"[name='{prefix}primary_completed_year']", "2021")
    page.press(f"[name='{prefix}primary_completed_year']", "Tab")
    expect(error).to_be_hidden()
    grade = page.locator(f"[data-error-for='{prefix}highest_grade_completed']")
    expect(grade).to_have_text("Đã hoàn thành tiểu học thì phải học xong ít nhất lớp 5.")
    page.select_option(f"[name='{prefix}highest_grade_completed']", "5")
    expect(grade).to_be_hidden()
    page.click("#member-done")
    page.click("#save-household")
    page.wait_for_selector("#households[data-ready='1']")
    assert pending(page) == 2


def test_member_fields_follow_the_age_and_grades_follow_the_level(page, city, surveyor):
    sign_in(page)
    prefix = start_household(page, city.village_a1.code, "A-001")
    year = page.locator(f"[name='{prefix}birth_year']")
    year.fill("2020")  # 5 years old in round 2025
    year.press("Tab")
    levels = page.locator("#f-enrollment-level option")
    expect(levels).to_have_count(3)  # — / not enrolled / preschool
    page.select_option("#f-enrollment-level", "preschool")
    grades = page.locator(f"[name='{prefix}enrollment.grade'] option")
    expect(grades).to_have_text(["—", "Nhóm 3 tuổi", "Nhóm 4 tuổi", "Nhóm 5 tuổi"])
    expect(page.locator(f"[name='{prefix}literacy_stage']")).to_have_count(0)

    year.fill("1995")  # 30 years old: the literacy fields
    year.press("Tab")
    expect(page.locator(f"[name='{prefix}literacy_stage']")).to_be_visible()
    expect(page.locator(f"[name='{prefix}highest_grade_completed']")).to_be_visible()
    page.select_option("#f-enrollment-level", "")

    year.fill("2013")  # 12 years old: lower-secondary grades 6–9
    year.press("Tab")
    page.select_option("#f-enrollment-level", "lower_secondary")
    expect(page.locator(f"[name='{prefix}enrollment.grade'] option")).to_have_text(
        ["—", "Lớp 6", "Lớp 7", "Lớp 8", "Lớp 9"]
    )


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (200, 180, 150))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (21.0, 1.0, 2.0), 3: "E", 4: (105.0, 51.0, 3.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_form_photo_is_compressed_kept_offline_and_uploaded_without_location(
    page, context, live, city, surveyor, tmp_path
):
    household = seed(make_household, city.village_a1, "P-001")
    sign_in(page)
    context.set_offline(True)
    page.goto(f"/field/#/h/{household.pk}")
    page.wait_for_selector("#household-form")
    photo = tmp_path / "phieu.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.set_input_files("#photo-input", str(photo))
    expect(page.locator("#photo-list li")).to_have_count(1)
    assert pending(page) == 1
    context.set_offline(False)
    page.click("#sync-button")
    wait_synced(page)
    stored = FormPhoto.objects.get(household=Household.objects.get(pk=household.pk))
    with Image.open(live.media_root / stored.image.name) as image:  # the server's MEDIA_ROOT
        assert image.format == "JPEG" and not image.getexif() and max(image.size) <= 1600
    expect(page.locator("#photo-list")).to_contain_text("Đã gửi lên máy chủ lúc")
