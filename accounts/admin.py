"""People and the security records in the back office (superusers only: ``accounts.backoffice``).

The product's own user form holds what the product uses (names, email, role, reporting line,
time zone) and two switches: active (deactivating and reactivating run through
``accounts.offboarding``, as on the person's page, so a person's open work is handed on however
they leave) and back-office access (superuser). Staff flags, permission lists and groups are not
part of it. Adding and inviting people belong to /people/.
"""

from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import ApiToken, AuditEvent, User
from accounts.offboarding import user_deactivate, user_reactivate
from accounts.services import user_set_manager
from config.errors import DomainError


class BackOfficeSignInForm(AdminAuthenticationForm):
    """The back office's sign-in: superusers, whatever their staff flag says."""

    def confirm_login_allowed(self, user) -> None:
        if not (user.is_active and user.is_superuser):
            raise ValidationError(
                "The back office is for the people who run the system. Sign in to the product "
                "at / for people and courses.",
                code="invalid_login",
            )


admin.site.login_form = BackOfficeSignInForm

# Permission groups are not how this product decides who may do what (roles are).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "name", "role", "manager", "timezone", "active")
    list_filter = ("role", "is_active", "manager")
    list_select_related = ("manager",)
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("manager",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Name and email", {"fields": ("first_name", "last_name", "email")}),
        ("Role and reporting line", {"fields": ("role", "manager", "timezone")}),
        (
            "Access",
            {
                "fields": ("is_active", "is_superuser", "last_login", "date_joined"),
                "description": "Deactivating also cancels their scheduled sessions, archives "
                "their plan and leaves their reports without a manager, as on their page in "
                "People. Back-office access lets them into these pages.",
            },
        ),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2")}),
        ("Role and reporting line", {"fields": ("role", "manager", "timezone")}),
    )
    filter_horizontal = ()

    @admin.display(description="Name", ordering="last_name")
    def name(self, user: User) -> str:
        return user.get_full_name() or "—"

    @admin.display(description="Active", boolean=True, ordering="is_active")
    def active(self, user: User) -> bool:
        return user.is_active

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "is_superuser" in form.base_fields:
            field = form.base_fields["is_superuser"]
            field.label = "Back-office access"
            field.help_text = "Superuser: these pages, and every right in the product."
        if "is_active" in form.base_fields:
            form.base_fields["is_active"].help_text = "Off: they cannot sign in."
        return form

    def save_model(self, request, obj, form, change):
        """A new manager for an existing person goes through ``user_set_manager``, so their
        coaching moves with them, and the active switch through ``accounts.offboarding``;
        everything else the form changed is saved as Django does. The admin's view already
        runs in one transaction: a failed move saves nothing."""
        standing = change and "is_active" in form.changed_data
        if standing:
            obj.is_active = not obj.is_active  # as it was: the service changes it
        if not change or "manager" not in form.changed_data:
            super().save_model(request, obj, form, change)
        else:
            manager = obj.manager
            obj.manager_id = form.initial.get("manager")
            super().save_model(request, obj, form, change)
            user_set_manager(user=obj, manager=manager, actor=request.user)
            obj.refresh_from_db(fields=["manager"])
        if standing:
            change_standing = user_reactivate if not obj.is_active else user_deactivate
            try:
                change_standing(user=obj, actor=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            obj.refresh_from_db(fields=["is_active", "manager"])


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never written here: audit rows are append-only, tokens are revoked by their
    holder, a password change or a deactivation (each of which the audit trail records)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("when", "what", "who", "whom", "address", "detail")
    list_filter = ("action", "at")
    search_fields = ("actor_name", "subject_name", "detail")
    date_hierarchy = "at"
    show_full_result_count = False

    @admin.display(description="When", ordering="at")
    def when(self, event: AuditEvent):
        return event.at

    @admin.display(description="What", ordering="action")
    def what(self, event: AuditEvent) -> str:
        return event.get_action_display()

    @admin.display(description="Who", ordering="actor_name")
    def who(self, event: AuditEvent) -> str:
        return event.actor_name or "—"

    @admin.display(description="Whom or what", ordering="subject_name")
    def whom(self, event: AuditEvent) -> str:
        return event.subject_name or "—"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "program", "key_start", "signed_in", "last_used", "ends")
    list_select_related = ("user",)
    search_fields = ("user__username", "label")
    fields = ("user", "label", "key_start", "created", "last_used", "expires")
    readonly_fields = fields

    @admin.display(description="Program", ordering="label")
    def program(self, token: ApiToken) -> str:
        return token.label or "Unnamed program"

    @admin.display(description="Key")
    def key_start(self, token: ApiToken) -> str:
        # Enough to tell tokens apart; the whole key would let whoever reads this page use it.
        return f"{token.key[:6]}…"

    @admin.display(description="Signed in", ordering="created")
    def signed_in(self, token: ApiToken):
        return token.created

    @admin.display(description="Ends", ordering="expires")
    def ends(self, token: ApiToken):
        return token.expires
