from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import ApiToken, AuditEvent, User
from accounts.services import user_set_manager


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "get_full_name", "role", "manager", "timezone", "is_active")
    list_filter = ("role", "is_active", "manager")
    list_select_related = ("manager",)
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("manager",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Role and reporting line", {"fields": ("role", "manager", "timezone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Role and reporting line", {"fields": ("role", "manager", "timezone")}),
    )

    def save_model(self, request, obj, form, change):
        """A new manager for an existing person goes through ``user_set_manager``, so their
        coaching moves with them; everything else the form changed is saved as Django does.
        The admin's view already runs in one transaction: a failed move saves nothing."""
        if not change or "manager" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        manager = obj.manager
        obj.manager_id = form.initial.get("manager")
        super().save_model(request, obj, form, change)
        user_set_manager(user=obj, manager=manager, actor=request.user)
        obj.refresh_from_db(fields=["manager"])


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
    list_display = ("at", "action", "actor_name", "subject_name", "address", "detail")
    list_filter = ("action", "at")
    search_fields = ("actor_name", "subject_name", "detail")
    date_hierarchy = "at"
    show_full_result_count = False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("user", "label", "key_start", "created", "last_used", "expires")
    list_select_related = ("user",)
    search_fields = ("user__username", "label")
    fields = ("user", "label", "key_start", "created", "last_used", "expires")
    readonly_fields = fields

    @admin.display(description="key")
    def key_start(self, token: ApiToken) -> str:
        # Enough to tell tokens apart; the whole key would let whoever reads this page use it.
        return f"{token.key[:6]}…"
