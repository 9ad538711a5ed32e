from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


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
