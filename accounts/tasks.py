from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.audit import audit_purge_expired
from accounts.tokens import tokens_purge_expired


@shared_task
def clear_expired_sessions() -> int:
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def purge_audit_trail() -> int:
    """Audit rows older than AUDIT_RETENTION_DAYS go; run daily by beat."""
    return audit_purge_expired()


@shared_task
def purge_expired_api_tokens() -> int:
    return tokens_purge_expired()


@shared_task
def echo(value: str) -> str:
    """Round-trips a value through the broker and a worker (integration checks)."""
    return value
