"""End-to-end fixtures: the real app behind a real HTTP server, driven by Debian's Chromium.

One live server per test module, on its own copy of the seeded template database (SQLite by
default, PostgreSQL when TEST_DATABASE_URL is set); one browser per run; a fresh browser
context (cookies, storage) per test, sized like a cheap Android phone.
"""
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from portal.extensions import db, limiter
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 360, "height": 640}
TIMEOUT_MS = 10_000  # a working page answers in well under a second; fail fast when it does not
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def live_app(template_db):
    """(app, base_url) of a threaded HTTP server on a random port, serving a fresh database copy."""
    url = template_db.copy()
    app = make_app(url, UPLOAD_DIR=str(template_db.uploads))
    limiter.reset()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        template_db.drop(url)


@pytest.fixture(scope="module")
def live_server(live_app):
    """Base URL of the live server, e.g. http://127.0.0.1:43561 (no trailing slash)."""
    return live_app[1]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_context(browser, base_url, **options):
    context = browser.new_context(viewport=PHONE, base_url=base_url, locale="id-ID", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser, live_server):
    """A fresh phone-sized context with JavaScript on (htmx active)."""
    context = _new_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture
def nojs_context(browser, live_server):
    """A fresh phone-sized context with JavaScript off: everything must work with plain forms and links."""
    context = _new_context(browser, live_server, java_script_enabled=False)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def nojs_page(nojs_context):
    return nojs_context.new_page()


@pytest.fixture(scope="session")
def artifacts():
    """Folder for screenshots (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def phones(browser, live_server):
    """new_phone(js=True) -> a new page in its own phone-sized context (own cookies: another person's phone),
    with the console and page errors of all of them collected in new_phone.errors."""
    contexts, errors = [], []

    def new_phone(js: bool = True):
        context = _new_context(browser, live_server, java_script_enabled=js)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        return page

    new_phone.errors = errors
    yield new_phone
    for context in contexts:
        context.close()
