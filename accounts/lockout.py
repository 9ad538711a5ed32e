"""What a locked-out sign-in sees: JSON for API clients, a page for people, both saying how long
the pause lasts (django-axes' cool-off, ``AXES_COOLOFF_MINUTES``)."""

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil


def cool_off_words(request: HttpRequest | None = None) -> str:
    """The pause as words ("15 minutes", "1 hour, 30 minutes")."""
    cool_off = get_cool_off(request)
    if cool_off is None:  # axes without a cool-off unlocks only by an admin
        return ""
    now = timezone.now()
    return timeuntil(now + cool_off, now).replace("\xa0", " ")


def locked_out_message(request: HttpRequest | None = None) -> str:
    pause = cool_off_words(request)
    if not pause:
        return (
            "Too many failed sign-in attempts for this account from here; "
            "ask an admin to unlock it."
        )
    return (
        "Too many failed sign-in attempts for this account from here; "
        f"try again in {pause} (counted from the last attempt)."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"message": locked_out_message(request)}, status=429)
    return render(
        request, "accounts/locked_out.html", {"pause": cool_off_words(request)}, status=429
    )
