"""Real-browser journeys: Playwright drives Debian's Chromium (/usr/bin/chromium).

`make test` installs it when it is missing (`make browser`); without it the browser tests
fail, saying how to install it: they are never skipped.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from appraisal.demo import DEMO_PASSWORD

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls the
# tests make between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browser` (as root) or "
            "`apt-get install chromium fonts-wqy-zenhei`",
            pytrace=False,
        )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot of the page under test-artifacts/screenshots/<test>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script> element: the
        # page's Content-Security-Policy refuses inline scripts, axe's too.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in result["violations"]
        if violation["impact"] in impacts
    ]


@pytest.fixture
def accessible(page):
    """Assert the current page has no serious or critical axe-core violation."""

    def check() -> None:
        violations = axe_violations(page)
        assert violations == [], f"{page.url}:\n" + "\n".join(violations)

    return check


def sign_in_through_the_form(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def sign_in():
    """Sign in on a page through the sign-in form: `sign_in(page, "chen.lin")`, with the
    demo password unless another is given."""
    return sign_in_through_the_form


def accept_confirmation(page, says: str | None = None) -> None:
    """Accept the question a button with data-confirm asks (static/js/app.js), checking
    what it says when `says` is given."""
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    if says is not None:
        expect(dialog.locator("#confirm-dialog-text")).to_have_text(says)
    dialog.locator("#confirm-dialog-accept").click()
    expect(dialog).to_be_hidden()
