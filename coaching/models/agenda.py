"""A coaching session's agenda: the shape of ``CoachingSession.agenda`` and how it reads as text.

``Agenda`` is the typed value every booking builds (``coaching.sessions.agenda.agenda_build``)
and stores with ``to_json``: only the parts given are written, so a session booked by hand
keeps its short agenda and the API shows each kind of session the parts it has. Stored agendas
are read with ``Agenda.from_json``; ``agenda_sections`` turns any stored agenda (older rows
too, whatever their shape) into the headed lists that emails and calendar invites show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class _Part(BaseModel):
    # Parts written by earlier versions may carry keys no longer written; they are kept.
    model_config = ConfigDict(extra="allow")


class SkillRef(_Part):
    id: int
    name: str


class ModuleRef(_Part):
    id: int
    title: str
    course: str


class MissedQuestion(_Part):
    """A question the rep got wrong, in a quiz or a refresher, with its explanation."""

    id: int
    prompt: str
    explanation: str = ""
    skill: SkillRef | None = None


class AgendaCommitment(_Part):
    """A commitment to go over: open, or missed since the last session that was held."""

    id: int
    text: str
    due_date: dt.date
    status: str
    skill: SkillRef | None = None
    session: int | None = None


class DecayFacts(_Part):
    """Why a fading skill called for coaching: forecast recall, refreshers missed in a row."""

    recall: float
    missed_reinforcements: int


class Agenda(_Part):
    """What a session goes over. Which parts a session has depends on why it was booked:
    a follow-up has the module's coaching guide, its quiz score and the questions missed; a
    session on a fading skill the reason and the refresher questions missed; one booked by
    hand a note. Every agenda carries the skills and the commitments to go over."""

    note: str = ""
    reason: str = ""
    decay: DecayFacts | None = None
    module: ModuleRef | None = None
    score: int | None = None
    skills: list[SkillRef] = []
    questions_to_ask: list[str] = []
    behaviours_to_observe: list[str] = []
    practice_task: str = ""
    missed_questions: list[MissedQuestion] = []
    missed_skills: list[SkillRef] = []
    commitments: list[AgendaCommitment] = []

    def to_json(self) -> dict[str, Any]:
        """The stored form: the parts that were given (a None or empty one included), each
        item of a part in full."""
        given = self.model_fields_set | set(self.model_extra or {})
        return {k: v for k, v in self.model_dump(mode="json").items() if k in given}

    @classmethod
    def from_json(cls, value: Any) -> Agenda:
        """A stored agenda as a typed value. Parts that do not fit the shape (rows written by
        hand, or by an early version) are left out rather than refused: the session stays
        readable, and ``agenda_sections`` still shows them."""
        if not isinstance(value, dict):
            return cls()
        try:
            return cls.model_validate(value)
        except ValidationError as error:
            unfit = {problem["loc"][0] for problem in error.errors() if problem["loc"]}
            return cls.model_validate({k: v for k, v in value.items() if k not in unfit})

    def skill_ids(self) -> list[int]:
        """The skills the session is about, the module's first, then those behind misses."""
        return list(dict.fromkeys(skill.id for skill in [*self.skills, *self.missed_skills]))


def agenda_merged(stored: Any, parts: Agenda) -> dict[str, Any]:
    """``stored`` with the parts given in ``parts`` replaced, every other part kept as it is."""
    return {**(stored if isinstance(stored, dict) else {}), **parts.to_json()}


# --- reading order, for emails and calendar invites ---------------------------------------------

# The agenda's parts worth reading before the session, in reading order, with their headings
# as the coach reads them.
AGENDA_HEADINGS = {
    "note": "Note",
    "questions_to_ask": "Questions to ask",
    "behaviours_to_observe": "Behaviours to observe",
    "practice_task": "Practice task to set",
    "missed_questions": "Quiz questions the rep missed",
    "commitments": "Commitments to review",
    "skills": "Skills",
}
# The same parts as the rep reads them: what to expect and what to prepare.
REP_AGENDA_HEADINGS = {
    **AGENDA_HEADINGS,
    "note": "Your coach's note",
    "questions_to_ask": "What your coach will ask",
    "behaviours_to_observe": "What your coach will look for",
    "practice_task": "What to practise",
    "missed_questions": "Quiz questions you missed",
    "commitments": "Your commitments to go over",
}
# Shown elsewhere (title, score line) or internal: not repeated as agenda sections.
AGENDA_SKIPPED = {"module", "score", "missed_skills"}


def agenda_sections(agenda: Any, *, for_rep: bool = False) -> list[tuple[str, list[str]]]:
    """The stored agenda as (heading, items) pairs, headed for the coach or, ``for_rep``, for
    the rep; unknown parts are shown under their own name, after the known ones (a fading
    skill's ``reason`` among them)."""
    if not agenda:
        return []
    if not isinstance(agenda, dict):
        items = agenda if isinstance(agenda, list) else [agenda]
        return [("Agenda", [_agenda_item(item) for item in items])]
    known = [key for key in AGENDA_HEADINGS if key in agenda]
    other = [key for key in agenda if key not in AGENDA_HEADINGS and key not in AGENDA_SKIPPED]
    sections = []
    for key in known + other:
        value = agenda[key]
        if not value or isinstance(value, dict):
            continue
        headings = REP_AGENDA_HEADINGS if for_rep else AGENDA_HEADINGS
        heading = headings.get(key) or str(key).replace("_", " ").capitalize()
        items = value if isinstance(value, list) else [value]
        sections.append((heading, [_agenda_item(item) for item in items if item]))
    return [(heading, items) for heading, items in sections if items]


def agenda_lines(agenda: Any) -> list[str]:
    """The sections as plain text lines: a heading, then its items as a list."""
    lines = []
    for heading, items in agenda_sections(agenda):
        lines.append(f"{heading}:")
        lines.extend(f"- {item}" for item in items)
    return lines


def _agenda_item(item: Any) -> str:
    if isinstance(item, dict):
        text = next(
            (str(item[f]) for f in ("text", "prompt", "question", "title", "name") if item.get(f)),
            "",
        )
        if text and item.get("due_date"):
            text = f"{text} (due {item['due_date']})"
        return text or ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)
