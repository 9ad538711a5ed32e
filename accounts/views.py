from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.forms import SignInForm
from accounts.selectors import team_of


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    user = request.user
    if user.is_org_admin:
        template, context = (
            "accounts/home_admin.html",
            {"people": team_of(manager=user).select_related("manager")},
        )
    elif user.is_manager:
        template, context = "accounts/home_manager.html", {"team": team_of(manager=user)}
    else:
        # A rep's day starts with their training.
        return redirect("lms:my_learning")
    return render(request, template, context)
