"""What accounts does when a person's credentials or standing change, whatever made the change.

A password is changed by its owner (PasswordChangeView), by an emailed reset link
(PasswordResetConfirmView), by an admin in the Django admin (UserAdmin's password form), by
``user_upsert`` and by ``changepassword``: each ends in ``User.save()`` with a new hash, and
none goes through one service. So the check sits on the model's save: ``pre_save`` reads the
stored hash, ``is_active`` and role, ``post_save`` compares them with what was saved and, in the
same transaction, revokes the person's API tokens (a new password or a deactivation ends them) and
writes the audit rows. ``user_logged_in`` would miss the reset and the admin's change; a signal
on the save misses only raw SQL and ``QuerySet.update``, which no path uses for these fields.

Sign-ins, failed sign-ins (Django's auth signals) and lockouts (django-axes) go to the audit
trail as they happen. Connected in ``AccountsConfig.ready()``.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.audit import Action, audit_record, current_request
from accounts.models import User
from accounts.sessions import session_seen
from accounts.tokens import tokens_revoke_all

WATCHED = frozenset({"password", "is_active", "role", "is_superuser"})


@receiver(pre_save, sender=User, dispatch_uid="accounts_user_before_save")
def remember_security_fields(sender, instance: User, raw=False, update_fields=None, **kwargs):
    instance._security_before = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not WATCHED.intersection(update_fields):
        return  # a sign-in's last_login, a profile's details: nothing to compare
    instance._security_before = User.objects.filter(pk=instance.pk).values(*WATCHED).first()


@receiver(post_save, sender=User, dispatch_uid="accounts_user_after_save")
def act_on_security_changes(sender, instance: User, created=False, raw=False, **kwargs):
    before = getattr(instance, "_security_before", None)
    instance._security_before = None
    if raw or created or before is None:
        return
    if before["password"] != instance.password:
        _password_changed(instance)
    if before["is_active"] and not instance.is_active:
        tokens_revoke_all(user=instance, reason="deactivated")
        audit_record(action=Action.DEACTIVATED, subject=instance)
    elif not before["is_active"] and instance.is_active:
        audit_record(action=Action.REACTIVATED, subject=instance)
    if before["role"] != instance.role:
        audit_record(
            action=Action.ROLE_CHANGED,
            subject=instance,
            detail=f"{User.Role(before['role']).label} → {instance.get_role_display()}",
        )
    if before["is_superuser"] != instance.is_superuser:
        # A superuser is an admin whatever their role says (User.is_org_admin).
        granted = "granted" if instance.is_superuser else "withdrawn"
        audit_record(action=Action.ROLE_CHANGED, subject=instance, detail=f"superuser {granted}")


def _password_changed(user: User) -> None:
    request = current_request()
    by = getattr(request, "user", None)
    if request is not None and (by is None or not by.is_authenticated):
        # Nobody signed in sets a password only through an emailed reset link.
        action, actor, how = Action.PASSWORD_RESET, user, "with an emailed reset link"
    elif request is None:
        action, actor, how = Action.PASSWORD_CHANGED, None, "outside the site (a command)"
    elif by.pk == user.pk:
        action, actor, how = Action.PASSWORD_CHANGED, user, "by themselves"
    else:
        action, actor, how = Action.PASSWORD_CHANGED, by, f"by {by.username}"
    tokens_revoke_all(user=user, reason="password changed")
    audit_record(action=action, actor=actor, subject=user, detail=how)


@receiver(user_logged_in, dispatch_uid="accounts_audit_sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    audit_record(action=Action.SIGN_IN, actor=user, subject=user, request=request)


@receiver(user_logged_in, dispatch_uid="accounts_session_seen_at_sign_in")
def mark_session_seen(sender, request, user, **kwargs):
    # Signing in saves the session anyway: noting it as used now spares the next request a
    # renewal write (accounts/sessions.py).
    if getattr(request, "session", None) is not None:
        session_seen(request.session)


def _audit_typed_username(action: str, typed: object, request: HttpRequest | None) -> None:
    """An event about a username as someone typed it: kept as typed (to the field's length),
    and tied to the account of that name when there is one."""
    name = str(typed or "")[:150]
    audit_record(
        action=action,
        actor_name=name,
        subject=User.objects.filter(username=name).first() if name else None,
        subject_name=name,
        request=request,
    )


@receiver(user_login_failed, dispatch_uid="accounts_audit_sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    _audit_typed_username(Action.SIGN_IN_FAILED, credentials.get("username"), request)


@receiver(user_locked_out, dispatch_uid="accounts_audit_locked_out")
def audit_locked_out(sender, request=None, username=None, **kwargs):
    _audit_typed_username(Action.LOCKED_OUT, username, request)
