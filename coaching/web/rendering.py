"""What every coaching page does the same way: send a plain form post back where it came from.
(Rendering in the viewer's time zone is ``accounts.rendering.render_for_viewer``.)"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def back_url(request: HttpRequest, default: str) -> str:
    """Where a plain form post returns to: the page it came from, if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
