"""The /reports/ page: create an export, see it finish through the 2-second poll, download it."""

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, seed
from tests.factories import make_user


def test_create_follow_and_download_a_form(page, live, city):
    seed(make_user, "xa", "commune_officer", city.commune_a, password=PASSWORD)
    page.goto("/login/?next=/reports/")
    page.fill("#id_username", "xa")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/reports/")
    expect(page.locator("#export-area option")).to_have_count(1)
    page.select_option("#export-what", "form:TH-02")
    page.click("#export-create")
    row = page.locator("#export-jobs tbody tr[data-job]").first
    expect(row).to_have_attribute("data-status", "done", timeout=15_000)
    link = row.locator("a")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("TH-02_11311_2025_")
    assert download.suggested_filename.endswith(".xlsx")
    # a second export (all forms, zipped) joins the list
    page.select_option("#export-what", "forms_zip:")
    page.click("#export-create")
    expect(page.locator("#export-jobs tbody tr[data-job]")).to_have_count(2, timeout=15_000)
