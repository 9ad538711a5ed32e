"""What a locked-out sign-in sees: JSON for API clients, a page for people."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_OUT_MESSAGE = "Too many failed sign-in attempts for this account from here; try again later."


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"message": LOCKED_OUT_MESSAGE}, status=429)
    return render(request, "accounts/locked_out.html", status=429)
