"""A new app version is announced, installed when the surveyor accepts, and loses nothing."""

from playwright.sync_api import expect

from surveys.models import Household
from tests.browser.helpers import (
    add_household,
    open_village,
    pending,
    sign_in,
    wait_for_app,
    wait_synced,
)


def test_a_new_version_keeps_the_outbox_and_the_open_draft(persistent, live, city, surveyor):
    context = persistent()
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page)
    old_version = page.evaluate("() => import('/static/field/app.js').then((m) => m.appVersion())")
    assert old_version

    context.set_offline(True)
    add_household(page, city.village_a1.code, "U-001", "Bùi Thị Giang")
    page.click("#add-household")  # a second form left open, half filled
    page.wait_for_selector("#household-form")
    page.fill("[name='number']", "U-002")
    page.fill("[name='address']", "Đang điền dở")
    page.wait_for_timeout(400)  # the draft is saved on change
    draft_id = page.get_attribute("#household-form", "data-id")
    assert pending(page) == 3

    try:
        live.restart(FIELD_APP_RELEASE="2")  # a deploy
        context.route(
            "**/api/sync/**", lambda route: route.abort()
        )  # the API stays out of reach: the outbox must wait
        context.set_offline(False)
        page.evaluate("() => window.pcgdApp.registration.update()")
        expect(page.locator("#update-banner")).to_be_visible(timeout=15_000)
        expect(page.locator("#update-banner")).to_contain_text("Đã có phiên bản mới")
        with page.expect_navigation():
            page.click("#update-button")
        wait_for_app(page)
        new_version = page.evaluate(
            "() => import('/static/field/app.js').then((m) => m.appVersion())"
        )
        assert new_version and new_version != old_version
        assert pending(page) == 3
        open_village(
            page, city.village_a1.code
        )  # the half-filled new household is listed as a draft
        expect(page.locator("#household-list a[data-number='U-002']")).to_contain_text("Bản nháp")
        page.goto(f"/field/#/h/{draft_id}")
        page.wait_for_selector("#draft-note")
        expect(page.locator("[name='address']")).to_have_value("Đang điền dở")
        caches = page.evaluate("() => caches.keys()")
        assert caches == [f"pcgd-field-shell-{new_version}"]

        context.unroute("**/api/sync/**")
        page.click("#sync-button")
        wait_synced(page)
        assert Household.objects.filter(number="U-001").count() == 1
    finally:
        live.restart(FIELD_APP_RELEASE="")
