"""Installability: the manifest and the service worker are found, Chromium reports no errors."""

from tests.browser.helpers import sign_in


def test_the_app_is_installable_with_no_errors(persistent, surveyor):
    context = persistent()  # a persistent profile: an incognito one reports "in-incognito"
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page)
    page.evaluate("() => navigator.serviceWorker.ready")
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    cdp = context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.json") and manifest["errors"] == []
    parsed = page.evaluate("async () => (await fetch('/manifest.json')).json()")
    assert (
        parsed["name"] == "PCGD-XMC Điều tra"
        and parsed["lang"] == "vi"
        and parsed["start_url"] == "/field/"
    )
    purposes = {(icon["sizes"], icon["purpose"]) for icon in parsed["icons"]}
    assert {
        ("192x192", "any"),
        ("512x512", "any"),
        ("192x192", "maskable"),
        ("512x512", "maskable"),
    } <= purposes
    for icon in parsed["icons"]:
        assert page.request.get(icon["src"]).status == 200


def test_storage_persistence_is_asked_for_at_sign_in(persistent, surveyor):
    context = persistent()
    page = context.pages[0] if context.pages else context.new_page()
    page.add_init_script(
        "window.__persistAsked = 0; const real = navigator.storage.persist.bind(navigator.storage);"
        "navigator.storage.persist = () => { window.__persistAsked += 1; return real(); };"
    )
    sign_in(page)
    assert page.evaluate("() => window.__persistAsked") == 1
