"""A real browser for tests: the app served on a loopback port, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work on these machines; we point it at /usr/bin/chromium
(`apt-get install chromium`). Without Chromium the browser tests are skipped with the reason; .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


@pytest.fixture(scope="session")
def _browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with tempfile.TemporaryDirectory() as profile, playwright_api.sync_playwright() as playwright:
        # Playwright gives each context a fresh profile itself; `profile` keeps Chromium's own files out of $HOME
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             env={**os.environ, "HOME": profile})
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _live_server(_session_app):
    server = make_server("127.0.0.1", 0, _session_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_url(app, _live_server):
    """The base URL of the running app; commit arranged data before the browser reads it."""
    return _live_server


@pytest.fixture
def page(_browser):
    """A fresh browser context (cookies, storage) per test, at phone width: 360 × 780 CSS pixels."""
    context = _browser.new_context(viewport={"width": 360, "height": 780}, locale="ru-RU")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
