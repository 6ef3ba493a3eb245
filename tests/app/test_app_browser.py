"""GET / in headless Chromium: fill an example, check it, read the verdict."""

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    # A missing browser fails the run: a skipped page test would let a broken page pass unseen.
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test.sh, which installs it "
                    "(or apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing from the venv: run scripts/test.sh, which installs it "
                    "(requirements/dev.txt).")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    # A refused prediction is part of some tests; any other failed load (a missing asset) is not.
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/predict") else None)
    # Anything not from the app (a CDN, a font service) would show up here.
    page.on("request", lambda r: None if r.url.startswith(live_server)
            else problems.append(f"foreign {r.url}"))
    page.goto(live_server + "/")
    yield page
    assert problems == []
    context.close()


@pytest.mark.parametrize(("name", "label"), [("genuine", 1), ("forged", 0)])
def test_example_gets_its_verdict(page, name, label, tmp_path):
    page.get_by_role("button", name=f"Fill {name} example").click()
    assert page.locator('input[name="variance"]').input_value() != ""
    page.get_by_role("button", name="Check").click()
    verdict = page.locator("#verdict")
    verdict.locator(f'xpath=self::*[@data-label="{label}"]').wait_for(timeout=10_000)
    text = verdict.inner_text()
    assert text.lower().startswith(name)
    assert f"label {label}" in text
    assert "probability" in text
    screenshot = tmp_path / f"index-{name}.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    if keep := os.environ.get("BANKNOTE_SCREENSHOT_DIR"):  # to look at the page by hand
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / screenshot.name).write_bytes(screenshot.read_bytes())


def fill(page, values):
    for name, value in values.items():
        page.locator(f'input[name="{name}"]').fill(value)


def test_typed_values_are_checked(page):
    fill(page, {"variance": "-2", "skewness": "-7", "curtosis": "8", "entropy": "1"})
    page.get_by_role("button", name="Check").click()
    page.locator("#verdict[data-label]").wait_for(timeout=10_000)
    assert "probability" in page.locator("#verdict").inner_text()


def test_refused_input_shows_the_service_message(page):
    fill(page, {"variance": "1e39", "skewness": "1", "curtosis": "1", "entropy": "1"})
    page.get_by_role("button", name="Check").click()
    page.locator("#verdict.error").wait_for(timeout=10_000)
    text = page.locator("#verdict").inner_text()
    assert text.startswith("Not checked: variance")
    assert "out of range" in text
