"""A page names its scripts and style by their content (``?v=``), and those URLs are
cached by the browser for a year; a changed file is a new URL."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.db


def test_static_urls_name_their_content_and_are_cached_for_long(app, client):
    page = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in urls)
    with client.get(urls[0]) as answer:
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "public, max-age=31536000"
    # Without its version a file is asked again each time, as before.
    with client.get(urls[0].split("?")[0]) as plain:
        assert plain.status_code == 200
        assert "max-age=31536000" not in plain.headers["Cache-Control"]
