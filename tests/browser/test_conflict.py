"""A conflict made by a second client is shown on the phone and resolved there, field by field."""

from playwright.sync_api import expect

from surveys.models import Household
from sync.models import Conflict
from tests.browser.conftest import PASSWORD, seed
from tests.browser.helpers import sign_in, wait_for_app, wait_synced
from tests.factories import make_household, make_user


def test_a_conflict_from_a_second_client_is_shown_and_resolved(
    page, context, playwright, live, city, surveyor
):
    household = seed(make_household, city.village_a1, "T01-001")
    seed(make_user, "xa", "commune_officer", city.commune_a, password=PASSWORD)
    sign_in(page)

    context.set_offline(True)  # the surveyor edits the address at the door, offline
    page.goto(f"/field/#/h/{household.pk}")
    wait_for_app(page)
    page.wait_for_selector("#household-form")
    page.fill("[name='address']", "Số 99, ngõ 9")
    page.fill("[name='note']", "Nhà mới sơn")
    page.click("#save-household")
    page.wait_for_selector("#households[data-ready='1']")

    officer = playwright.request.new_context(
        base_url=live.url
    )  # meanwhile, the commune officer's client
    token = officer.post("/api/auth/token/", data={"username": "xa", "password": PASSWORD}).json()[
        "token"
    ]
    reply = officer.patch(
        f"/api/households/{household.pk}/",
        data={"address": "Số 7, ngõ 7"},
        headers={"Authorization": f"Token {token}"},
    )
    assert reply.status == 200, reply.text()
    officer.dispose()

    context.set_offline(False)
    page.click("#sync-button")
    wait_synced(page)
    expect(page.locator("#conflict-link")).to_contain_text("1 xung đột cần quyết định")
    household.refresh_from_db()
    assert (household.address, household.note) == (
        "Số 7, ngõ 7",
        "Nhà mới sơn",
    )  # the disjoint change merged

    page.click("#conflict-link")
    page.click("#conflict-list a.conflict")
    field = page.locator(".conflict-field[data-field='address']")
    expect(field).to_contain_text("Số 99, ngõ 9")
    expect(field).to_contain_text("Số 7, ngõ 7")
    expect(field).to_contain_text("xa")
    field.locator("input[value='mine']").check()
    page.click("#resolve")
    page.wait_for_selector("#conflicts")
    wait_synced(page)
    conflict = Conflict.objects.get()
    assert conflict.status == "resolved" and conflict.resolved_by.username == "gv"
    assert Household.objects.get(pk=household.pk).address == "Số 99, ngõ 9"
    expect(page.locator("#conflict-list")).to_have_count(0)
    page.goto(f"/field/#/h/{household.pk}")
    expect(page.locator("[name='address']")).to_have_value("Số 99, ngõ 9")
