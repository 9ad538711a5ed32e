from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from accounts.forms import SignInForm


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


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
