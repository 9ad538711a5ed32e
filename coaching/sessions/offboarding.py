"""A person leaves (``accounts.signals.user_deactivated``): their open coaching work ends.

``coaching_offboard`` runs inside the transaction that deactivates them (``accounts.
offboarding.user_deactivate`` sends the signal, ``coaching.receivers`` calls this), before their
reports are moved to nobody: so the sessions they coach are cancelled with a word to the rep
rather than handed over to no coach. Held sessions, observations and commitments stay as
history; the archived plan stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import (
    CoachingPlan,
    CoachingSession,
    DeferredCoaching,
    MentorPairing,
    Reminder,
)
from coaching.reminders.schedule import reminders_cancel
from coaching.sessions.plans import plan_archive
from coaching.sessions.services import session_cancel


@dataclass
class Offboarded:
    sessions_cancelled: int = 0
    plans_archived: int = 0
    reminders_cancelled: int = 0


def _reason(person: User) -> str:
    return f"{person} has left the organisation's coaching (their account was deactivated)."


@transaction.atomic
def coaching_offboard(*, person: User, actor: User) -> Offboarded:
    """End ``person``'s open coaching: every scheduled session they are the rep or the coach
    of is cancelled through ``session_cancel`` (its reminders cancelled, the other person told
    with the reason), their active plan is archived, and the reminders still waiting to reach
    them, or about their commitments, are cancelled. ``actor`` is the admin who deactivated
    them; running it twice changes nothing the second time.
    """
    done = Offboarded()
    sessions = (
        CoachingSession.objects.scheduled()
        .filter(Q(rep=person) | Q(coach=person))
        .order_by("scheduled_for", "pk")
    )
    reason = _reason(person)
    for session in sessions:
        session_cancel(actor=actor, session=session, reason=reason)
        done.sessions_cancelled += 1
    # Peer mentoring ends with either rep: no further practice is proposed or booked for it.
    ending = MentorPairing.objects.filter(
        Q(mentor=person) | Q(mentee=person), status=MentorPairing.Status.ACTIVE
    )
    partners = set(ending.values_list("mentee_id", flat=True))
    ending.update(status=MentorPairing.Status.ENDED, ended_at=timezone.now())
    # What a coaching budget deferred for them is no longer needed.
    DeferredCoaching.objects.filter(rep=person, status=DeferredCoaching.Status.WAITING).update(
        status=DeferredCoaching.Status.EXPIRED, resolved_at=timezone.now()
    )
    # The mentees' and the deferring coaches' dashboards show both.
    team_version_bump(rep_ids=[person.pk, *partners])
    for plan in CoachingPlan.objects.active().filter(rep=person).select_related("rep"):
        plan_archive(actor=actor, plan=plan)
        done.plans_archived += 1
    # Last: the cancellations above may have written a notice to the person themselves. Their
    # commitments' reminders go too (a coach is not told a departed rep missed one).
    done.reminders_cancelled = reminders_cancel(
        reminders=Reminder.objects.filter(Q(recipient=person) | Q(commitment__rep=person))
    )
    return done
