"""Which reminders a person wants by email, set on their profile page and obeyed by the outbox.

Only email can be turned off: the in-app notification of every reminder still comes, so nothing
is lost, only quieter. Turned off means a stored ``EmailOptOut``; every kind is on until then.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.models import User
from coaching.models import EmailOptOut, Reminder

Kind = Reminder.Kind

# Kinds only a coach receives: a rep's page does not offer what never reaches them.
COACH_ONLY_KINDS = frozenset(
    {
        Kind.SESSION_HOLD_OVERDUE,
        Kind.RESCHEDULE_REQUESTED,
        Kind.WEEKLY_DIGEST,
        Kind.QUIZ_ATTEMPTS_USED_UP,
        Kind.EXTRA_ATTEMPTS_ASKED,
    }
)
OPTED_OUT_REASON = "Recipient turned off email for this kind; delivered in-app only."


def email_kinds_for(*, user: User) -> list[tuple[str, str]]:
    """The kinds of reminder ``user`` may receive, as (value, label), in the model's order."""
    coaches = user.is_manager or user.is_org_admin
    return [
        (value, label) for value, label in Kind.choices if coaches or value not in COACH_ONLY_KINDS
    ]


def email_opt_outs_of(*, user: User) -> set[str]:
    return set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))


@transaction.atomic
def email_preferences_set(*, user: User, wanted: Iterable[str]) -> None:
    """Email on for the ``wanted`` kinds and off for every other kind offered to ``user``.

    Kinds not offered to them (a coach's kinds, for a rep) are left as they are.
    """
    offered = {value for value, _ in email_kinds_for(user=user)}
    off = offered - set(wanted)
    EmailOptOut.objects.filter(user=user, kind__in=offered - off).delete()
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, kind=kind) for kind in sorted(off)], ignore_conflicts=True
    )


def email_opted_out(reminders: Iterable[Reminder]) -> set[int]:
    """The ids of the email ``reminders`` whose recipient turned that kind off: one query."""
    emails = [r for r in reminders if r.channel == Reminder.Channel.EMAIL]
    if not emails:
        return set()
    off = set(
        EmailOptOut.objects.filter(
            user_id__in={r.recipient_id for r in emails}, kind__in={r.kind for r in emails}
        ).values_list("user_id", "kind")
    )
    return {r.pk for r in emails if (r.recipient_id, r.kind) in off}
