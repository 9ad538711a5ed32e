"""Every page names the site's icon, and the icon is a static file the server can serve."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders


def test_pages_link_an_icon_that_exists(client, db):
    html = client.get("/accounts/login/").content.decode()
    match = re.search(r'<link rel="icon" href="([^"]+)"', html)
    assert match, "the page names no icon"
    assert finders.find(match.group(1).removeprefix("/static/"))
