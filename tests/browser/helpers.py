"""What a surveyor does in the app, as Playwright steps."""

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD

VISIT_DATE = "2025-10-01"  # in round 2025 (the tests' round), whatever today's date


def sign_in(page: Page, username: str = "gv", password: str = PASSWORD) -> None:
    page.goto("/field/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector("#village-list a.village")
    wait_synced(page)
    page.evaluate(
        "() => navigator.serviceWorker.ready"
    )  # the shell is cached: the app opens offline
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


SYNCED = """async () => {
  const app = window.pcgdApp;
  if (!app || !app.sync || !app.sync.quiet || app.sync.state.phase !== 'idle' || !app.sync.state.lastAt) return false;
  return (await app.store.pendingCount()) === 0;
}"""


def wait_synced(page: Page, timeout: float = 20_000) -> None:
    """No sync runs or is about to, the last one succeeded, and the outbox is empty."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(SYNCED):  # evaluate awaits the promise (wait_for_function would not)
        if time.monotonic() > deadline:
            state = page.evaluate(
                "() => window.pcgdApp && window.pcgdApp.sync && window.pcgdApp.sync.state"
            )
            raise AssertionError(f"not synced after {timeout / 1000:.0f} s: {state}")
        page.wait_for_timeout(100)
    expect(page.locator("#pending-count")).to_have_text("0", timeout=timeout)


def pending(page: Page) -> int:
    return page.evaluate("() => window.pcgdApp.store.pendingCount()")


def outbox_kinds(page: Page) -> list[str]:
    return page.evaluate(
        "async () => (await window.pcgdApp.store.outbox()).map((e) => e.op ? e.op.kind : e.type)"
    )


def wait_for_app(page: Page) -> None:
    page.wait_for_function(
        "() => window.pcgdApp && window.pcgdApp.rules && document.querySelector('#main')"
    )


def open_village(page: Page, code: str) -> None:
    page.goto(f"/field/#/v/{code}")
    wait_for_app(page)
    page.wait_for_selector("#households[data-ready='1']")


def add_household(
    page: Page, village: str, number: str, head: str, *, birth_year: int = 1980, sex: str = "male"
) -> None:
    """A new household with its head, visited today, saved on the phone."""
    open_village(page, village)
    page.click("#add-household")
    page.wait_for_selector("#household-form")
    page.fill("[name='number']", number)
    page.fill("[name='address']", f"Số {number}, Tổ dân phố 1")
    page.check("#visit-toggle")
    page.fill("#visit-date", VISIT_DATE)
    page.click("#add-member")
    page.wait_for_selector("#member-form")
    index = page.get_attribute("#member-form", "data-index")
    prefix = f"members.{index}."
    page.fill(f"[name='{prefix}full_name']", head)
    page.select_option(f"[name='{prefix}sex']", sex)
    page.fill(f"[name='{prefix}birth_year']", str(birth_year))
    page.press(f"[name='{prefix}birth_year']", "Tab")
    page.click("#member-done")
    page.wait_for_selector("#household-form")
    page.click("#save-household")
    page.wait_for_selector("#households[data-ready='1']")
