"""A real browser for tests: the app served on a loopback port, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work on these machines; we point it at /usr/bin/chromium
(`apt-get install chromium`). Without Chromium the browser tests are skipped with the reason; .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time

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


class InFlight:
    """WSGI middleware that counts requests being served, so a test can wait for them before cleaning up."""

    def __init__(self, app):
        self.app = app
        self.active = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.active += 1
        result = None
        try:
            result = self.app(environ, start_response)
            return list(result)
        finally:
            if hasattr(result, "close"):
                result.close()  # static files are open file wrappers
            with self.lock:
                self.active -= 1

    def wait_idle(self, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while self.active and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture(scope="session")
def _live_server(_session_app):
    counter = InFlight(_session_app)
    server = make_server("127.0.0.1", 0, counter, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", counter
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_url(app, _live_server):
    """The base URL of the running app; commit arranged data before the browser reads it. After the test, requests
    still being served finish before the database is cleaned (a failed test may leave one in flight)."""
    url, counter = _live_server
    yield url
    counter.wait_idle()


@pytest.fixture
def page(_browser):
    """A fresh browser context (cookies, storage) per test, at phone width: 360 × 780 CSS pixels."""
    context = _browser.new_context(viewport={"width": 360, "height": 780}, locale="ru-RU")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
