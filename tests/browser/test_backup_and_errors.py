"""When all else fails: the backup file; and a change the server refuses stays until it is fixed."""

import json

from playwright.sync_api import expect

from surveys.models import Household, Resident
from sync.models import OpLog
from tests.browser.conftest import seed
from tests.browser.helpers import add_household, open_village, pending, sign_in, wait_synced
from tests.factories import make_household


def test_the_backup_file_holds_the_outbox_and_brings_it_to_the_server_once(
    page, context, browser, browser_context_args, city, surveyor, tmp_path
):
    sign_in(page)
    context.set_offline(True)
    add_household(page, city.village_a1.code, "B-001", "Lý Thị Hoa")
    page.goto("/field/#/sync")
    page.wait_for_selector("#sync-screen")
    expect(page.locator("#unsynced")).to_contain_text("3")
    with page.expect_download() as download:
        page.click("#save-backup")
    path = tmp_path / "backup.json"
    download.value.save_as(path)
    backup = json.loads(path.read_text(encoding="utf-8"))
    assert backup["format"] == "pcgd-field-backup" and backup["user"] == "gv"
    assert [entry["op"]["kind"] for entry in backup["outbox"]] == [
        "household.upsert",
        "resident.upsert",
        "visit.record",
    ]

    # The phone is lost. On another phone (a new profile), the commune officer's or the
    # surveyor's, the file is loaded and sent.
    other = browser.new_context(**browser_context_args)
    try:
        second = other.new_page()
        sign_in(second)
        second.goto("/field/#/sync")
        second.wait_for_selector("#sync-screen")
        second.set_input_files("#restore-input", str(path))
        expect(second.locator("#outbox-list .outbox-entry")).to_have_count(3)
        second.click("#sync-now")
        wait_synced(second)
        household = Household.objects.get(number="B-001")
        assert list(
            Resident.objects.filter(household=household).values_list("full_name", flat=True)
        ) == ["Lý Thị Hoa"]

        context.set_offline(
            False
        )  # the first phone comes back after all: the same operations, applied once
        page.click("#sync-button")
        wait_synced(page)
        assert Household.objects.filter(number="B-001").count() == 1 and OpLog.objects.count() == 3
    finally:
        other.close()


def test_a_household_the_server_refuses_keeps_its_errors_until_the_surveyor_fixes_it(
    page, context, city, surveyor
):
    sign_in(page)
    context.set_offline(True)
    add_household(page, city.village_a1.code, "N-001", "Mạc Văn Tài")
    seed(make_household, city.village_a1, "N-001")  # meanwhile someone else took the number
    context.set_offline(False)
    page.click("#sync-button")
    page.wait_for_function(
        "() => window.pcgdApp.sync.quiet && window.pcgdApp.sync.state.phase === 'idle'"
    )
    assert pending(page) == 2  # its member and visit wait for the household
    open_village(page, city.village_a1.code)
    page.click("#filters [data-filter='errors']")
    row = page.locator("#household-list a.household")
    expect(row).to_have_count(1)
    row.click()
    expect(page.locator(".server-errors")).to_contain_text(
        "Số phiếu N-001 đã được dùng trong xã này."
    )
    page.fill("[name='number']", "N-002")
    page.click("#save-household")
    page.wait_for_selector("#households[data-ready='1']")
    page.click("#sync-button")
    wait_synced(page)
    household = Household.objects.get(number="N-002")
    assert list(
        Resident.objects.filter(household=household).values_list("full_name", flat=True)
    ) == ["Mạc Văn Tài"]
    assert household.visits.count() == 1
    open_village(page, city.village_a1.code)
    page.click("#filters [data-filter='errors']")
    expect(page.locator("#household-list a.household")).to_have_count(0)
