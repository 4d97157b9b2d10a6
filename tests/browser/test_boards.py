"""The live board: a household synced from another client shows within a second; a reconnect refetches."""

import time

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, seed
from tests.factories import make_household, make_user


def _sign_in(page, username: str) -> None:
    page.goto("/login/?next=/boards/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def _push_new_household(request_context, token: str, village: str, number: str) -> None:
    from sync.tests.helpers import DEVICE, new_household_ops

    class Village:
        code = village

    _id, ops = new_household_ops(Village, number)
    reply = request_context.post(
        "/api/sync/push",
        data={"device": str(DEVICE), "round": 2025, "ops": ops},
        headers={"Authorization": f"Token {token}"},
    )
    assert reply.status == 200, reply.text()
    assert [r["status"] for r in reply.json()["results"]] == ["applied"] * 4


def test_the_board_updates_live_and_refetches_after_a_reconnect(
    page, playwright, live, city, surveyor
):
    seed(make_user, "xa", "commune_officer", city.commune_a, password=PASSWORD)
    _sign_in(page, "xa")
    page.wait_for_url("**/boards/11311/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)
    expect(page.locator("#total-visited")).to_have_text("0")

    phone = playwright.request.new_context(
        base_url=live.url
    )  # the surveyor's phone, another client
    token = phone.post("/api/auth/token/", data={"username": "gv", "password": PASSWORD}).json()[
        "token"
    ]
    _push_new_household(phone, token, "11311-01", "T01-101")
    committed = time.monotonic()
    expect(page.locator("#total-visited")).to_have_text(
        "1", timeout=1_000
    )  # within a second of the commit
    shown = time.monotonic() - committed
    assert shown < 1.0
    row = page.locator("#children tr[data-code='11311-01']")
    expect(row.locator("td.visited")).to_have_text("1")
    expect(page.locator("#surveyors tr[data-username='gv'] td.visited")).to_have_text("1")
    expect(page.locator("#feed li[data-type='survey.progress']").first).to_be_visible()
    expect(page.locator("#chart rect.col")).to_have_count(1)

    snapshots = int(page.get_attribute("#board", "data-snapshots"))
    live.stop()  # the connection drops; meanwhile a household arrives that no event will announce
    expect(page.locator("#conn")).not_to_have_attribute("data-state", "live", timeout=5_000)
    seed(make_household, city.village_a2, "T02-001")
    live.start()
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=20_000)
    page.wait_for_function(
        f"() => Number(document.getElementById('board').dataset.snapshots) > {snapshots}"
    )
    expect(page.locator("#total-visited")).to_have_text(
        "2"
    )  # from the snapshot fetched on reconnect
    expect(page.locator("#children tr[data-code='11311-02'] td.visited")).to_have_text("1")
    phone.dispose()


def test_sorting_and_sign_off_from_the_board(page, live, city):
    seed(make_user, "xa", "commune_officer", city.commune_a, password=PASSWORD)
    seed(make_household, city.village_a2, "T02-001")
    _sign_in(page, "xa")
    page.wait_for_url("**/boards/11311/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=10_000)

    def codes() -> list[str]:
        return page.eval_on_selector_all(
            "#children tbody tr", "rows => rows.map(r => r.dataset.code)"
        )

    assert codes() == ["11311-01", "11311-02"]
    page.click("#children th[data-sort='visited']")
    page.click("#children th[data-sort='visited']")  # descending
    assert codes() == ["11311-02", "11311-01"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.on(
        "dialog", lambda dialog: dialog.accept("Đủ số liệu") if dialog.type == "prompt" else None
    )
    page.click("#sign-off")
    expect(page.locator("#reopen")).to_be_visible()
    expect(page.locator("#signoff-state")).to_have_class("signed")
