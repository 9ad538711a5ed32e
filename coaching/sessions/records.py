"""A held session's record: holding a session (notes, rubric ratings, commitments) and amending
what was recorded while the amendment window is open.

The rules, for pages and API alike: a record has substance (at least one rating, or a note of
``COACHING_HOLD_MIN_NOTE_CHARS`` characters); a session is recorded from
``COACHING_HOLD_EARLY_MINUTES`` before it starts; its coach (or an admin) may amend the record
for ``COACHING_AMEND_HOURS`` after holding it, and then it is final. Refusals raise DomainError
(400) or Conflict (409) with a message for the coach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from coaching.changes import team_version_bump
from coaching.models import RUBRIC_ANCHORS, CoachingSession, Commitment, Observation
from coaching.reminders.schedule import SESSION_TIMED_KINDS, session_reminders_cancel
from coaching.sessions.agenda import agenda_commitments_refresh
from coaching.sessions.commitments import commitment_reminder_schedule
from coaching.sessions.permissions import can_amend_record, can_hold_session
from coaching.sessions.state import session_lock
from coaching.skills.memory import memory_from_observation, memory_rebuild
from config.errors import Conflict, DomainError
from lms.models import Skill


class NotStarted(Conflict):
    """Too early to record the session: it has not started (give or take the early minutes)."""


# --- the rules, as answers a page can show before anyone submits -------------------------------


def hold_opens_at(session: CoachingSession) -> dt.datetime:
    """The first moment the session may be recorded as held."""
    return session.scheduled_for - dt.timedelta(minutes=settings.COACHING_HOLD_EARLY_MINUTES)


def amend_closes_at(session: CoachingSession) -> dt.datetime | None:
    """Until when the record of a held session may be amended; None if it is not held."""
    if session.status != CoachingSession.Status.HELD or session.held_at is None:
        return None
    return session.held_at + dt.timedelta(hours=settings.COACHING_AMEND_HOURS)


def amend_open(session: CoachingSession, *, now: dt.datetime | None = None) -> bool:
    closes = amend_closes_at(session)
    return closes is not None and (now or timezone.now()) <= closes


# --- parsing what the coach recorded -------------------------------------------------------------


@dataclass(frozen=True)
class ObservationIn:
    skill: Skill
    rating: int
    evidence: str
    source: str

    @property
    def anchor(self) -> str:
        return RUBRIC_ANCHORS[self.rating]


@dataclass(frozen=True)
class CommitmentIn:
    text: str
    skill: Skill | None
    due_date: dt.date
    # The commitment this row amends; None for a new one.
    existing: Commitment | None = None


@dataclass(frozen=True)
class HoldRecord:
    """A record checked against every rule, not yet written: what the confirmation shows."""

    notes: str
    private_notes: str
    observations: list[ObservationIn]
    commitments: list[CommitmentIn]


def _skill_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, Skill):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(f"{value!r} is not a skill.") from None


def _skills_by_id(ids: set[int]) -> dict[int, Skill]:
    skills = {skill.pk: skill for skill in Skill.objects.filter(pk__in=ids)}
    unknown = ids - skills.keys()
    if unknown:
        raise DomainError(f"Skill {min(unknown)} does not exist.")
    return skills


def _parse_observations(
    items: list[dict], skills: dict[int, Skill], *, peer_skill_id: int | None = None
) -> list[ObservationIn]:
    """``peer_skill_id``: a peer session's skill, the only one its mentor rates, always with
    source "peer"; outside peer practice "peer" is not a source a coach gives."""
    parsed = []
    sources = set(Observation.Source.values) - {Observation.Source.PEER}
    for number, item in enumerate(items, start=1):
        skill_id = _skill_id(item.get("skill"))
        if skill_id is None:
            raise DomainError(f"Observation {number} needs a skill.")
        rating = item.get("rating")
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise DomainError(f"Observation {number}: a rating is a whole number from 1 to 5.")
        source = item.get("source") or Observation.Source.SESSION
        if peer_skill_id is not None:
            if skill_id != peer_skill_id:
                raise DomainError(f"Observation {number}: a peer session rates its own skill only.")
            source = Observation.Source.PEER
        elif source not in sources:
            raise DomainError(f"Observation {number}: {source!r} is not a kind of observation.")
        parsed.append(
            ObservationIn(
                skill=skills[skill_id],
                rating=rating,
                evidence=str(item.get("evidence") or "").strip(),
                source=source,
            )
        )
    return parsed


def _due_date(item: dict, number: int) -> dt.date:
    due = item.get("due_date")
    if isinstance(due, str):
        try:
            due = dt.date.fromisoformat(due)
        except ValueError:
            raise DomainError(f"Commitment {number}: {due!r} is not a date.") from None
    if isinstance(due, dt.datetime) or not isinstance(due, dt.date):
        raise DomainError(f"Commitment {number} needs a due date.")
    return due


def _parse_commitments(
    items: list[dict],
    skills: dict[int, Skill],
    today: dt.date,
    existing: dict[int, Commitment],
) -> list[CommitmentIn]:
    parsed: list[CommitmentIn] = []
    for number, item in enumerate(items, start=1):
        text = str(item.get("text") or "").strip()
        if not text:
            raise DomainError(f"Commitment {number} needs a text.")
        due = _due_date(item, number)
        amended: Commitment | None = None
        if item.get("id") not in (None, ""):
            pk = _commitment_id(item["id"])
            amended = existing.get(pk) if pk is not None else None
            if amended is None:
                raise DomainError(f"Commitment {number} was not made at this session.")
            if any(row.existing is amended for row in parsed):
                raise DomainError(f"Commitment {number} is listed twice.")
        # A commitment already made keeps its date even once it has passed; a new date must not.
        if due < today and (amended is None or due != amended.due_date):
            raise DomainError(f"Commitment {number}: the due date has passed.")
        skill_id = _skill_id(item.get("skill"))
        parsed.append(
            CommitmentIn(
                text=text,
                skill=skills.get(skill_id) if skill_id else None,
                due_date=due,
                existing=amended,
            )
        )
    return parsed


def _commitment_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ensure_substance(notes: str, private_notes: str, observations: list[ObservationIn]) -> None:
    least = settings.COACHING_HOLD_MIN_NOTE_CHARS
    if observations or max(len(notes), len(private_notes)) >= least:
        return
    raise DomainError(
        "Nothing to record yet: rate at least one skill, or write a note of at least "
        f"{least} characters about what happened."
    )


def _record_parse(
    *,
    session: CoachingSession,
    notes: str,
    private_notes: str,
    observations: list[dict] | None,
    commitments: list[dict] | None,
) -> HoldRecord:
    """Every rule about the content of a record; reads only. Raises DomainError."""
    observations, commitments = observations or [], commitments or []
    ids = {_skill_id(item.get("skill")) for item in [*observations, *commitments]}
    skills = _skills_by_id({pk for pk in ids if pk is not None})
    existing: dict[int, Commitment] = {}
    if any(item.get("id") not in (None, "") for item in commitments):
        existing = {c.pk: c for c in Commitment.objects.filter(session=session)}
    notes, private_notes = notes.strip(), private_notes.strip()
    peer = session.source == CoachingSession.Source.PEER
    if peer and private_notes:
        raise DomainError(
            f"A peer session has no private notes: what you write is shared with {session.rep}."
        )
    if peer and commitments:
        raise DomainError(
            "Commitments are agreed with a manager; a peer session records ratings and notes."
        )
    observation_rows = _parse_observations(
        observations, skills, peer_skill_id=session.focus_skill_id if peer else None
    )
    commitment_rows = _parse_commitments(
        commitments, skills, timezone.localdate(timezone=session.rep.tzinfo), existing
    )
    _ensure_substance(notes, private_notes, observation_rows)
    return HoldRecord(notes, private_notes, observation_rows, commitment_rows)


def _ensure_holder(actor: User, session: CoachingSession) -> None:
    if not can_hold_session(actor, session):
        raise DomainError("Only the session's coach or an admin can record it as held.")


def _ensure_amender(actor: User, session: CoachingSession) -> None:
    if not can_amend_record(actor, session):
        raise DomainError("Only the session's coach or an admin can change its record.")


# --- holding -------------------------------------------------------------------------------------


def _ensure_may_hold(actor: User, session: CoachingSession) -> None:
    """Whether ``session`` (as it stands) may be recorded as held by ``actor`` now."""
    _ensure_holder(actor, session)
    if session.status == CoachingSession.Status.HELD:
        raise Conflict("This session has been recorded as held already.")
    if session.status == CoachingSession.Status.CANCELLED:
        raise Conflict("This session was cancelled; it cannot be held.")
    opens = hold_opens_at(session)
    if timezone.now() < opens:
        tz = actor.tzinfo
        start = timezone.localtime(session.scheduled_for, tz)
        raise NotStarted(
            f"This session has not started: it starts {start:%a %d %b at %H:%M %Z}, and you can "
            f"record it from {timezone.localtime(opens, tz):%H:%M}, "
            f"{settings.COACHING_HOLD_EARLY_MINUTES} minutes before."
        )


def session_hold_preview(
    *,
    actor: User,
    session: CoachingSession,
    notes: str,
    private_notes: str = "",
    observations: list[dict] | None = None,
    commitments: list[dict] | None = None,
) -> HoldRecord:
    """What ``session_hold`` would record, checked by the same rules; writes nothing.

    The page shows it for the coach to confirm. Raises as ``session_hold`` does.
    """
    _ensure_may_hold(actor, session)
    return _record_parse(
        session=session,
        notes=notes,
        private_notes=private_notes,
        observations=observations,
        commitments=commitments,
    )


def _observations_write(
    *, actor: User, session: CoachingSession, rows: list[ObservationIn], at: dt.datetime
) -> list[Observation]:
    return Observation.objects.bulk_create(
        Observation(
            rep=session.rep,
            observer=actor,
            session=session,
            skill=row.skill,
            rating=row.rating,
            evidence=row.evidence,
            source=row.source,
            observed_at=at,
        )
        for row in rows
    )


def _commitment_create(session: CoachingSession, row: CommitmentIn) -> None:
    commitment = Commitment.objects.create(
        rep=session.rep, session=session, text=row.text, skill=row.skill, due_date=row.due_date
    )
    commitment_reminder_schedule(commitment=commitment)


@transaction.atomic
def session_hold(
    *,
    actor: User,
    session: CoachingSession,
    notes: str,
    private_notes: str = "",
    observations: list[dict] | None = None,
    commitments: list[dict] | None = None,
) -> CoachingSession:
    """The coach records a session as held: notes, rubric ratings and the rep's commitments.

    ``observations``: ``[{"skill": id or Skill, "rating": 1-5, "evidence": str,
    "source": "session"|"live"|"call_review"|"role_play"}]`` (source optional).
    ``commitments``: ``[{"text": str, "skill": id or Skill or None, "due_date": date or
    "YYYY-MM-DD"}]``. Each commitment gets a reminder for the rep at 09:00 the day before it
    is due. A session marked missed may still be recorded as held (it happened after all).
    Everything is checked before anything is written. Raises DomainError when the actor is
    not the coach or an admin, the record is empty (no rating, no note of the least length),
    a rating is outside 1-5, a skill is unknown or a due date has passed; NotStarted (a
    Conflict) before the session may be recorded; Conflict when it is held already or was
    cancelled.
    """
    _ensure_holder(actor, session)  # before the lock: an outsider takes none
    session = session_lock(session)
    # The preview's rules again, under the lock: the page the coach confirmed may be stale.
    record = session_hold_preview(
        actor=actor,
        session=session,
        notes=notes,
        private_notes=private_notes,
        observations=observations,
        commitments=commitments,
    )

    now = timezone.now()
    session.status = CoachingSession.Status.HELD
    session.held_at = now
    session.shared_notes = record.notes
    session.private_notes = record.private_notes
    session.sequence += 1
    session.save(
        update_fields=[
            "status",
            "held_at",
            "shared_notes",
            "private_notes",
            "sequence",
            "updated_at",
        ]
    )
    team_version_bump(
        rep_ids=[session.rep_id]
        + ([session.coach_id] if session.source == CoachingSession.Source.PEER else [])
    )
    recorded = _observations_write(actor=actor, session=session, rows=record.observations, at=now)
    for observation in recorded:
        memory_from_observation(observation=observation)
    for row in record.commitments:
        _commitment_create(session, row)
    # Held: nobody needs reminding of it, nor nudging to record it.
    session_reminders_cancel(session=session, kinds=SESSION_TIMED_KINDS)
    agenda_commitments_refresh(rep=session.rep)
    return session


# --- amending ------------------------------------------------------------------------------------


def _ensure_may_amend(actor: User, session: CoachingSession) -> None:
    _ensure_amender(actor, session)
    if session.status != CoachingSession.Status.HELD:
        raise Conflict("This session has not been recorded as held; there is no record to change.")
    if not amend_open(session):
        raise Conflict(
            "This record is final: a record can be changed for "
            f"{settings.COACHING_AMEND_HOURS} hours after the session is recorded."
        )


def session_amend_preview(
    *,
    actor: User,
    session: CoachingSession,
    notes: str,
    private_notes: str = "",
    observations: list[dict] | None = None,
    commitments: list[dict] | None = None,
) -> HoldRecord:
    """What ``session_amend`` would leave on record, checked by its rules; writes nothing."""
    _ensure_may_amend(actor, session)
    return _record_parse(
        session=session,
        notes=notes,
        private_notes=private_notes,
        observations=observations,
        commitments=commitments,
    )


@transaction.atomic
def session_amend(
    *,
    actor: User,
    session: CoachingSession,
    notes: str,
    private_notes: str = "",
    observations: list[dict] | None = None,
    commitments: list[dict] | None = None,
) -> CoachingSession:
    """The coach corrects a held session's record: it becomes exactly what is given.

    Takes what ``session_hold`` takes; a commitment may carry the ``id`` of one made at this
    session to change it in place (its status and the rep's note stay), and a commitment left
    out is withdrawn with its reminders. The ratings replace the session's ratings as of the
    moment it was held, and the rep's skill memory is replayed from all its evidence, so it
    reads as if the corrected ratings had been given in the first place. Raises DomainError as
    ``session_hold`` does, or for a commitment ``id`` of another session; Conflict when the
    session is not held or the amendment window has closed.
    """
    _ensure_amender(actor, session)  # before the lock: an outsider takes none
    session = session_lock(session)
    # The preview's rules again, under the lock: the page the coach confirmed may be stale.
    record = session_amend_preview(
        actor=actor,
        session=session,
        notes=notes,
        private_notes=private_notes,
        observations=observations,
        commitments=commitments,
    )
    assert session.held_at is not None  # noqa: S101 - a held session has its time
    session.shared_notes = record.notes
    session.private_notes = record.private_notes
    session.save(update_fields=["shared_notes", "private_notes", "updated_at"])

    Observation.objects.filter(session=session).delete()
    _observations_write(actor=actor, session=session, rows=record.observations, at=session.held_at)

    kept_ids = {row.existing.pk for row in record.commitments if row.existing is not None}
    Commitment.objects.filter(session=session).exclude(pk__in=kept_ids).delete()
    for row in record.commitments:
        commitment = row.existing
        if commitment is None:
            _commitment_create(session, row)
            continue
        commitment.text, commitment.skill, commitment.due_date = row.text, row.skill, row.due_date
        commitment.save(update_fields=["text", "skill", "due_date"])
        if commitment.status == Commitment.Status.OPEN:
            # Moves the pending reminder to the new date; a sent one stays sent.
            commitment_reminder_schedule(commitment=commitment)

    memory_rebuild(rep=session.rep)
    changed = [session.rep_id]
    if session.source == CoachingSession.Source.PEER and session.coach is not None:
        memory_rebuild(rep=session.coach)  # the mentor's teaching, replayed as corrected
        changed.append(session.coach.pk)
    team_version_bump(rep_ids=changed)
    agenda_commitments_refresh(rep=session.rep)
    return session
