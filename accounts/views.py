from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy

from accounts.forms import SignInForm


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
