import csv
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.audit import Action, audit_record
from accounts.forms import AuditFilterForm, SignInForm
from accounts.rendering import render_for_viewer
from accounts.selectors import audit_events_for
from config.spreadsheet import Echo, csv_cell


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Added after the session is flushed, so it lands on the sign-in page that follows.
        messages.success(request, "You are signed out.")
        return response


# Django's own password views, in the product's look (templates/registration/). A changed
# password returns to the profile page it was started from; a reset one to signing in.
class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    success_url = reverse_lazy("profile")
    success_message = "Your password is changed."


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


@login_required
def home(request):
    user = request.user
    # Named, not imported: accounts knows nothing of the apps above it.
    if user.is_org_admin:
        # An admin's day starts on the organisation: every team's coaching at a glance.
        return redirect("coaching:org")
    if user.is_manager:
        # A manager's, on their team's dashboard: skills, gaps, what is overdue.
        return redirect("coaching:dashboard")
    # A rep's day starts on their own home: refreshers, next coaching session, training.
    return redirect("coaching:rep_home")


AUDIT_PAGE_SIZE = 50
AUDIT_CSV_HEADER = ["when (UTC)", "action", "who", "whom or what", "address", "detail"]


def _audit_events(request):
    """The filter form and the events it selects (Http404 for anyone but an admin)."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_events_for(
        user=request.user,
        actor=filters.get("actor", ""),
        action=filters.get("action", ""),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return form, events


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    form, events = _audit_events(request)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": bool(query),
        "retention_days": settings.AUDIT_RETENTION_DAYS,
    }
    return render_for_viewer(request, "accounts/audit.html", context)


@login_required
@require_GET
def audit_csv(request: HttpRequest) -> StreamingHttpResponse:
    _, events = _audit_events(request)
    audit_record(action=Action.DATA_EXPORTED, subject_name="Audit trail (CSV)")

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo())
        yield writer.writerow(AUDIT_CSV_HEADER)
        for event in events.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    event.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                    csv_cell(event.get_action_display()),
                    csv_cell(event.actor_name),
                    csv_cell(event.subject_name),
                    csv_cell(event.address),
                    csv_cell(event.detail),
                ]
            )

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
