"""The invited person's side: the emailed link opens a page to set their first password."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from accounts.invitations import invitation_tokens


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """Django's reset-confirm page with the invitation's own tokens: the token leaves the
    address bar for the session at once, works once, and not past ``INVITATION_DAYS``."""

    token_generator = invitation_tokens
    template_name = "registration/invitation_accept.html"
    success_url = reverse_lazy("people:invitation_done")
    reset_url_token = "set-your-password"  # noqa: S105 - a URL segment, not a secret


class InvitationDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/invitation_done.html"
