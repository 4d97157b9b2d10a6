"""Sign in online, then work offline: the app, the roster and the outbox survive reloads and restarts."""

import time

import pytest
from playwright.sync_api import expect

from surveys.models import Household, Resident
from sync.models import OpLog
from tests.browser.conftest import seed
from tests.browser.helpers import (
    add_household,
    open_village,
    pending,
    sign_in,
    wait_for_app,
    wait_synced,
)
from tests.factories import child, make_household, member


@pytest.fixture
def roster(city, surveyor):
    numbers = []
    for index, kid in enumerate(["Đặng Thị Hương", "Lê Thị Mai", "Trần Văn Bảo"], start=1):
        number = f"T01-{index:03d}"
        seed(
            make_household,
            city.village_a1,
            number,
            members=[member(full_name=f"Nguyễn Văn Nam {index}"), child(full_name=kid)],
        )
        numbers.append(number)
    return numbers


def test_the_app_and_the_roster_open_offline_after_a_reload(page, context, city, roster):
    sign_in(page)
    context.set_offline(True)
    page.reload()
    wait_for_app(page)
    expect(page.locator("#village-list a.village")).to_contain_text("Tổ dân phố 1")
    expect(page.locator("#village-list")).to_contain_text("Đã điều tra 3 / 3")
    open_village(page, city.village_a1.code)
    expect(page.locator("#household-list a.household")).to_have_count(3)
    page.fill("#search", "LE THI MAI")  # no accents, other case
    expect(page.locator("#household-list a.household")).to_have_count(1)
    expect(page.locator("#household-list")).to_contain_text("T01-002")
    page.fill("#search", "")
    page.click("#filters [data-filter='not-visited']")
    expect(page.locator("#household-list a.household")).to_have_count(0)


def test_three_households_made_offline_stay_queued_across_reload_and_restart_then_sync_once(
    persistent, city, roster
):
    context = persistent()
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page)
    context.set_offline(True)
    for index, name in enumerate(["Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường"], start=1):
        add_household(page, city.village_a1.code, f"M-{index:03d}", name)
    assert pending(page) == 9  # each: household.upsert, resident.upsert, visit.record
    page.reload()
    wait_for_app(page)
    assert pending(page) == 9
    context.close()

    context = persistent()  # the phone is switched off and on: same profile, still offline
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto("/field/")
    wait_for_app(page)
    assert pending(page) == 9
    expect(page.locator("#pending-count")).to_have_text("9")
    open_village(page, city.village_a1.code)
    expect(page.locator("#household-list a.household")).to_have_count(6)
    assert not Household.objects.filter(number__startswith="M-").exists()

    context.set_offline(False)
    page.click("#sync-button")
    wait_synced(page)
    for index, name in enumerate(["Trần Văn An", "Lê Thị Bình", "Phạm Văn Cường"], start=1):
        household = Household.objects.get(number=f"M-{index:03d}")
        assert list(
            Resident.objects.filter(household=household).values_list("full_name", flat=True)
        ) == [name]
        assert household.visits.count() == 1
    assert OpLog.objects.filter(status="applied").count() == 9
    page.goto(f"/field/#/h/{Household.objects.get(number='M-001').pk}")
    expect(page.locator("#receipt")).to_contain_text("Đã lưu trên máy chủ lúc")


def test_a_network_drop_mid_sync_is_retried_and_each_change_applied_once(
    page, context, city, roster
):
    sign_in(page)
    context.set_offline(True)
    add_household(page, city.village_a1.code, "D-001", "Võ Thị Dung")
    add_household(page, city.village_a1.code, "D-002", "Hoàng Văn Em")
    calls = []

    def drop_after_the_server_applied(route):
        calls.append(route.request.post_data_json["ops"])
        if len(calls) == 1:
            route.fetch()  # the server receives and applies the batch…
            route.abort("connectionreset")  # …and the reply is lost on the way back
        else:
            route.continue_()

    page.route("**/api/sync/push", drop_after_the_server_applied)
    context.set_offline(False)
    page.click("#sync-button")
    page.wait_for_function("() => window.pcgdApp.sync.state.phase === 'waiting'")
    assert pending(page) == 6  # nothing left the outbox without an answer
    assert Household.objects.filter(number__startswith="D-").count() == 2  # applied once already
    page.click("#sync-button")  # the surveyor does not wait for the backoff
    wait_synced(page)
    assert [op["op_id"] for op in calls[1]] == [
        op["op_id"] for op in calls[0]
    ]  # the same operations again
    assert Household.objects.filter(number__startswith="D-").count() == 2
    assert Resident.objects.filter(full_name__in=["Võ Thị Dung", "Hoàng Văn Em"]).count() == 2
    assert OpLog.objects.count() == 6


def test_an_overloaded_server_is_retried_after_retry_after(page, context, city, roster):
    sign_in(page)
    context.set_offline(True)
    add_household(page, city.village_a1.code, "R-001", "Đỗ Văn Phúc")
    times = []

    def busy_once(route):
        times.append(time.monotonic() * 1000)
        if len(times) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "2", "Content-Type": "application/json"},
                body='{"message": "busy", "errors": {}}',
            )
        else:
            route.continue_()

    page.route("**/api/sync/push", busy_once)
    context.set_offline(False)  # back online: the app syncs by itself, meets a 503, waits, retries
    wait_synced(page, timeout=15_000)
    assert len(times) == 2 and times[1] - times[0] >= 2000
    assert Household.objects.filter(number="R-001").count() == 1
