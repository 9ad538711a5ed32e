"""The agenda as a typed value: one builder, the stored parts of each kind of session, older rows
still read, and the reading order emails and invites show."""

import datetime as dt

import pytest

from coaching.models import CoachingSession
from coaching.models.agenda import (
    Agenda,
    AgendaCommitment,
    DecayFacts,
    SkillRef,
    agenda_lines,
    agenda_merged,
    agenda_sections,
)
from coaching.sessions.agenda import agenda_build, agenda_commitments_refresh
from coaching.sessions.services import session_book_manual
from tests.coaching.factories import CommitmentFactory, complete_module, freeze, session_with
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=dt.UTC)
Source = CoachingSession.Source

GUIDE_PARTS = {"module", "questions_to_ask", "behaviours_to_observe", "practice_task"}
FOLLOW_UP_PARTS = {*GUIDE_PARTS, "score", "skills", "missed_questions", "missed_skills"}
DECAY_PARTS = {*GUIDE_PARTS, "reason", "decay", "skills", "missed_questions"}


@pytest.fixture
def rep(monkeypatch):
    freeze(monkeypatch, NOW)
    return RepFactory(manager=ManagerFactory())


# --- what each kind of session stores -----------------------------------------------------------


def test_a_follow_up_stores_the_guide_the_score_and_the_misses(rep):
    module = build_module(questions=3)
    complete_module(rep, module, wrong_when_passing=0, failed_first=1)
    agenda = CoachingSession.objects.get().agenda
    assert set(agenda) == {*FOLLOW_UP_PARTS, "commitments"}
    assert set(agenda["missed_questions"][0]) == {"id", "prompt", "explanation", "skill"}
    assert set(agenda["module"]) == {"id", "title", "course"}


def test_a_session_booked_by_hand_stores_its_note_skills_and_commitments(rep):
    skill = SkillFactory()
    CommitmentFactory(rep=rep, due_date=dt.date(2026, 3, 20))
    session = session_book_manual(
        coach=rep.manager,
        rep=rep,
        scheduled_for=NOW + dt.timedelta(days=2),
        focus_skill=skill,
        note="  Review the Acme call ",
    )
    assert set(session.agenda) == {"note", "skills", "commitments"}
    assert session.agenda["note"] == "Review the Acme call"
    [commitment] = session.agenda["commitments"]
    assert set(commitment) == {"id", "text", "due_date", "status", "skill", "session"}
    assert commitment["due_date"] == "2026-03-20"


def test_a_session_on_a_fading_skill_stores_the_reason_and_no_score(rep):
    skill = SkillFactory()
    agenda = agenda_build(
        rep=rep,
        source=Source.DECAY,
        skills=[skill],
        reason="Recall fell.",
        decay=DecayFacts(recall=0.412, missed_reinforcements=2),
    ).to_json()
    assert set(agenda) == {*DECAY_PARTS, "commitments"}
    # No module taught the skill: the guide's parts are there, empty.
    assert agenda["module"] is None and agenda["questions_to_ask"] == []
    assert agenda["decay"] == {"recall": 0.412, "missed_reinforcements": 2}
    assert agenda["skills"] == [{"id": skill.pk, "name": skill.name}]


# --- reading stored agendas ---------------------------------------------------------------------


STORED = {
    "follow-up": {
        "module": {"id": 3, "title": "Discovery", "course": "Selling"},
        "score": 67,
        "skills": [{"id": 1, "name": "Discovery"}],
        "questions_to_ask": ["What did you try?"],
        "behaviours_to_observe": ["Open questions"],
        "practice_task": "Role-play it.",
        "missed_questions": [
            {"id": 9, "prompt": "Why?", "explanation": "", "skill": {"id": 1, "name": "Discovery"}}
        ],
        "missed_skills": [{"id": 1, "name": "Discovery"}],
        "commitments": [
            {
                "id": 4,
                "text": "Call Acme",
                "due_date": "2026-03-20",
                "status": "open",
                "skill": None,
                "session": 2,
            }
        ],
    },
    "by hand": {"note": "Pipeline review", "skills": [], "commitments": []},
    "fading skill": {
        "reason": "Recall fell.",
        "decay": {"recall": 0.41, "missed_reinforcements": 0},
        "module": None,
        "skills": [{"id": 1, "name": "Discovery"}],
        "questions_to_ask": [],
        "behaviours_to_observe": [],
        "practice_task": "",
        "missed_questions": [],
        "commitments": [],
    },
    "practice task added": {
        "note": "Practice",
        "skills": [],
        "commitments": [],
        "practice_task": "x",
    },
}


@pytest.mark.parametrize("kind", STORED)
def test_every_stored_shape_reads_and_writes_back_unchanged(kind):
    assert Agenda.from_json(STORED[kind]).to_json() == STORED[kind]


def test_a_part_that_does_not_fit_is_left_out_and_the_rest_reads():
    agenda = Agenda.from_json({"note": "Hi", "skills": ["Closing"], "legacy": [1, 2]})
    assert agenda.note == "Hi" and agenda.skills == []
    assert agenda.to_json() == {"note": "Hi", "legacy": [1, 2]}


@pytest.mark.parametrize("value", [None, [], ["first", {"prompt": "second"}], "text"])
def test_an_agenda_that_is_not_an_object_reads_as_empty(value):
    assert Agenda.from_json(value).to_json() == {}


def test_the_skills_to_rate_are_the_module_s_then_those_behind_misses():
    agenda = Agenda(
        skills=[SkillRef(id=2, name="b"), SkillRef(id=1, name="a")],
        missed_skills=[SkillRef(id=1, name="a"), SkillRef(id=3, name="c")],
    )
    assert agenda.skill_ids() == [2, 1, 3]


def test_merging_replaces_the_parts_given_and_keeps_the_others():
    stored = {"note": "Keep me", "commitments": [], "legacy": True}
    update = Agenda(
        commitments=[AgendaCommitment(id=1, text="t", due_date=dt.date(2026, 1, 2), status="open")]
    )
    merged = agenda_merged(stored, update)
    assert merged["note"] == "Keep me" and merged["legacy"] is True
    assert merged["commitments"] == [
        {
            "id": 1,
            "text": "t",
            "due_date": "2026-01-02",
            "status": "open",
            "skill": None,
            "session": None,
        }
    ]


def test_refreshing_commitments_keeps_every_other_part(rep):
    session = session_with(rep, scheduled_for=NOW + dt.timedelta(days=1), agenda=STORED["by hand"])
    CommitmentFactory(rep=rep, text="Send the proposal")
    agenda_commitments_refresh(rep=rep)
    session.refresh_from_db()
    assert session.agenda["note"] == "Pipeline review"
    assert [c["text"] for c in session.agenda["commitments"]] == ["Send the proposal"]


# --- reading order --------------------------------------------------------------------------------


def test_sections_follow_the_reading_order_with_unknown_parts_after():
    sections = agenda_sections({**STORED["fading skill"], **STORED["follow-up"], "note": "N"})
    assert [heading for heading, _ in sections] == [
        "Note",
        "Questions to ask",
        "Behaviours to observe",
        "Practice task to set",
        "Quiz questions the rep missed",
        "Commitments to review",
        "Skills",
        "Reason",
    ]
    assert dict(sections)["Commitments to review"] == ["Call Acme (due 2026-03-20)"]


def test_the_reps_sections_say_what_to_expect_and_what_to_prepare():
    stored = {**STORED["fading skill"], **STORED["follow-up"], "note": "N"}
    sections = agenda_sections(stored, for_rep=True)
    assert [heading for heading, _ in sections] == [
        "Your coach's note",
        "What your coach will ask",
        "What your coach will look for",
        "What to practise",
        "Quiz questions you missed",
        "Your commitments to go over",
        "Skills",
        "Reason",
    ]
    # The same items under either heading.
    assert [items for _, items in sections] == [items for _, items in agenda_sections(stored)]


def test_lines_put_each_item_under_its_heading():
    assert agenda_lines(STORED["by hand"]) == ["Note:", "- Pipeline review"]
    assert agenda_lines(["first", {"prompt": "second"}]) == ["Agenda:", "- first", "- second"]
    assert agenda_lines({}) == []
