"""The Content-Security-Policy, strict everywhere except where third-party pages need more.

Our own pages need no inline script or style: everything is in static files. Django's admin
(an inline ``<style>`` on the change list, our authoring previews) and the offline Swagger UI
(an inline `<style>` block) are not ours to rewrite, so their paths get the same policy with
only what they need added (``CONTENT_SECURITY_POLICY_RELAXED``, path prefix to additions).
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


class PolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.update is not None:
            return parts
        relaxed = getattr(settings, "CONTENT_SECURITY_POLICY_RELAXED", {})
        for prefix, additions in relaxed.items():
            if request.path_info.startswith(prefix):
                parts.update = additions
                break
        return parts
