"""Reading the pages a test client gets back."""

from __future__ import annotations

import re

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(page) -> str:
    """The CSRF token in a page's form: ``page`` is a response of the test client, its HTML, or its bytes."""
    if hasattr(page, "get_data"):
        page = page.get_data(as_text=True)
    if isinstance(page, bytes):
        page = page.decode()
    match = _CSRF.search(page)
    assert match, f"no CSRF token on the page: {page[:300]}"
    return match.group(1)
