"""A held session's record means something: substance, not before the start, amendable for a
day (with memory and KPIs following), then final; through the services, the API and the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.models import CoachingSession, Commitment, Observation, Reminder, SkillMemory
from coaching.sessions.records import NotStarted, session_amend, session_hold
from config.errors import Conflict, DomainError
from tests.coaching.factories import UTC, freeze, session_with
from tests.conftest import api_as
from tests.factories import ManagerFactory, RepFactory, SkillFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 12, 10, tzinfo=UTC)  # a Thursday
EARLY = dt.timedelta(minutes=settings.COACHING_HOLD_EARLY_MINUTES)
WINDOW = dt.timedelta(hours=settings.COACHING_AMEND_HOURS)
NOTE = "Worked through the opening and the close."
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, START + dt.timedelta(minutes=30))


@pytest.fixture
def manager():
    return ManagerFactory(username="maria")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", manager=manager)


@pytest.fixture
def skill():
    return SkillFactory(slug="closing", name="Closing")


@pytest.fixture
def session(clock, rep):
    return session_with(rep, scheduled_for=START)


def due(days: int) -> str:
    return (START.date() + dt.timedelta(days=days)).isoformat()


def rated(skill, rating: int, **extra) -> list[dict]:
    return [{"skill": skill.pk, "rating": rating, **extra}]


# --- substance ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notes", "private_notes", "commitments"),
    [
        ("", "", []),
        ("Good.", "", []),
        ("x" * (settings.COACHING_HOLD_MIN_NOTE_CHARS - 1), "", []),
        (" " * 40, "", []),
        ("", "", [{"text": "Call Acme", "due_date": "2026-03-20"}]),
    ],
)
def test_an_empty_record_is_refused_and_nothing_is_written(
    session, manager, notes, private_notes, commitments
):
    with pytest.raises(DomainError, match="rate at least one skill, or write a note") as refused:
        session_hold(
            actor=manager,
            session=session,
            notes=notes,
            private_notes=private_notes,
            commitments=commitments,
        )
    assert not isinstance(refused.value, Conflict)
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("notes", "private_notes", "with_rating"),
    [
        ("x" * settings.COACHING_HOLD_MIN_NOTE_CHARS, "", False),
        ("", "Needs to slow down before the price.", False),
        ("", "", True),
    ],
)
def test_one_rating_or_a_note_of_the_least_length_is_a_record(
    session, manager, skill, notes, private_notes, with_rating
):
    session_hold(
        actor=manager,
        session=session,
        notes=notes,
        private_notes=private_notes,
        observations=rated(skill, 3) if with_rating else [],
    )
    session.refresh_from_db()
    assert session.status == "held"


# --- timing ------------------------------------------------------------------------------------


def test_a_session_may_be_recorded_from_the_early_minutes_before_its_start(session, manager, clock):
    clock.set(START - EARLY - dt.timedelta(seconds=1))
    with pytest.raises(NotStarted, match="has not started") as refused:
        session_hold(actor=manager, session=session, notes=NOTE)
    assert refused.value.status_code == 409
    assert "record it from 09:50" in refused.value.message
    session.refresh_from_db()
    assert session.status == "scheduled"

    clock.set(START - EARLY)
    assert session_hold(actor=manager, session=session, notes=NOTE).status == "held"


def test_timing_is_checked_before_the_content(session, manager, clock):
    clock.set(START - dt.timedelta(days=1))
    with pytest.raises(NotStarted):
        session_hold(actor=manager, session=session, notes="")


# --- amending ----------------------------------------------------------------------------------


@pytest.fixture
def held(session, manager, skill):
    return session_hold(
        actor=manager,
        session=session,
        notes=NOTE,
        private_notes="Nervous on price.",
        observations=rated(skill, 5, evidence="Asked for the order."),
        commitments=[
            {"text": "Ask for the order on three calls", "skill": skill.pk, "due_date": due(7)},
            {"text": "Prospect 20 accounts", "due_date": due(5)},
        ],
    )


def test_the_coach_amends_ratings_notes_and_commitments_in_one_go(held, manager, skill, clock):
    clock.advance(hours=3)
    kept, dropped = Commitment.objects.filter(session=held).order_by("pk")
    other = SkillFactory(name="Discovery")
    session_amend(
        actor=manager,
        session=held,
        notes="Rated too generously; closing is still emerging.",
        private_notes="",
        observations=rated(skill, 2, evidence="Prompted twice.") + rated(other, 3),
        commitments=[
            {"id": kept.pk, "text": "Ask for the order on five calls", "due_date": due(9)},
            {"text": "Shadow Ada on a close", "skill": other.pk, "due_date": due(3)},
        ],
    )
    held.refresh_from_db()
    assert held.shared_notes.startswith("Rated too generously") and held.private_notes == ""
    assert held.status == "held" and held.held_at == START + dt.timedelta(minutes=30)
    assert sorted(
        Observation.objects.filter(session=held).values_list("skill", "rating", "observed_at")
    ) == sorted([(skill.pk, 2, held.held_at), (other.pk, 3, held.held_at)])
    commitments = {c.text: c for c in Commitment.objects.filter(session=held)}
    assert set(commitments) == {"Ask for the order on five calls", "Shadow Ada on a close"}
    assert commitments["Ask for the order on five calls"].pk == kept.pk
    assert commitments["Ask for the order on five calls"].skill is None
    assert not Commitment.objects.filter(pk=dropped.pk).exists()
    # The changed commitment's reminder moves to its new date; the new one gets its own.
    reminded = Reminder.objects.filter(kind="commitment_due", status="pending")
    assert {(r.commitment.text, r.due_at.date()) for r in reminded} == {
        ("Ask for the order on five calls", START.date() + dt.timedelta(days=8)),
        ("Shadow Ada on a close", START.date() + dt.timedelta(days=2)),
    }


def test_skill_memory_follows_the_amendment_as_if_rated_so_from_the_start(
    held, manager, skill, clock
):
    before = SkillMemory.objects.get(rep=held.rep, skill=skill)
    clock.advance(hours=5)
    session_amend(actor=manager, session=held, notes=NOTE, observations=rated(skill, 1))
    after = SkillMemory.objects.get(rep=held.rep, skill=skill)
    assert after.next_due_at < before.next_due_at and after.reviews == 1

    # Another rep rated 1 at the same moment, with no amendment, has the same memory.
    twin = RepFactory(manager=manager)
    clock.set(START + dt.timedelta(minutes=30))
    session_hold(
        actor=manager,
        session=session_with(twin, scheduled_for=START),
        notes=NOTE,
        observations=rated(skill, 1),
    )
    same = SkillMemory.objects.get(rep=twin, skill=skill)
    assert (after.stability, after.next_due_at, after.last_review_at) == (
        same.stability,
        same.next_due_at,
        same.last_review_at,
    )


def test_a_rating_taken_off_the_record_leaves_no_memory_of_it(held, manager, skill, clock):
    clock.advance(hours=1)
    session_amend(actor=manager, session=held, notes=NOTE, observations=[])
    assert not Observation.objects.exists()
    assert not SkillMemory.objects.filter(rep=held.rep, skill=skill).exists()


def test_the_team_kpis_follow_the_amendment_on_the_next_request(held, manager, skill, clock):
    def application() -> int:
        rows = api_as(manager).get("/api/v1/team/skills/").json()["results"]
        return next(r for r in rows if r["skill"]["slug"] == "closing")["application"]

    assert application() == 100
    clock.advance(hours=2)
    session_amend(actor=manager, session=held, notes=NOTE, observations=rated(skill, 2))
    assert application() == 25


def test_the_record_may_be_amended_until_the_window_closes_and_then_is_final(
    held, manager, skill, clock
):
    clock.set(held.held_at + WINDOW)
    session_amend(actor=manager, session=held, notes=NOTE, observations=rated(skill, 4))
    clock.set(held.held_at + WINDOW + dt.timedelta(seconds=1))
    with pytest.raises(Conflict, match="This record is final"):
        session_amend(actor=manager, session=held, notes=NOTE, observations=rated(skill, 1))
    assert Observation.objects.get().rating == 4


def test_an_amendment_follows_the_same_rules_as_holding(held, manager, skill, rep):
    with pytest.raises(DomainError, match="rate at least one skill"):
        session_amend(actor=manager, session=held, notes="Fine.")
    foreign = session_with(rep, status=CoachingSession.Status.HELD)
    elsewhere = Commitment.objects.create(
        rep=rep, session=foreign, text="Elsewhere", due_date=dt.date(2026, 4, 1)
    )
    with pytest.raises(DomainError, match="was not made at this session"):
        session_amend(
            actor=manager,
            session=held,
            notes=NOTE,
            commitments=[{"id": elsewhere.pk, "text": "Mine now", "due_date": due(3)}],
        )
    with pytest.raises(DomainError, match="coach or an admin"):
        session_amend(actor=rep, session=held, notes=NOTE)
    assert Observation.objects.get().rating == 5
    assert Commitment.objects.filter(session=held).count() == 2


def test_a_commitment_keeps_a_due_date_that_has_since_passed_but_cannot_be_moved_into_the_past(
    held, manager, clock
):
    first = Commitment.objects.filter(session=held).order_by("pk").first()
    Commitment.objects.filter(pk=first.pk).update(due_date=START.date())
    clock.advance(hours=20)  # the next day in UTC
    keep = {"id": first.pk, "text": "Ask for the order", "due_date": START.date().isoformat()}
    session_amend(actor=manager, session=held, notes=NOTE, commitments=[keep])
    moved = {**keep, "due_date": (START.date() - dt.timedelta(days=1)).isoformat()}
    with pytest.raises(DomainError, match="the due date has passed"):
        session_amend(actor=manager, session=held, notes=NOTE, commitments=[moved])


def test_only_a_held_session_has_a_record_to_amend(session, manager):
    with pytest.raises(Conflict, match="not been recorded as held"):
        session_amend(actor=manager, session=session, notes=NOTE)


# --- API ---------------------------------------------------------------------------------------


def hold_url(session) -> str:
    return f"/api/v1/coaching/sessions/{session.pk}/hold/"


def amend_url(session) -> str:
    return f"/api/v1/coaching/sessions/{session.pk}/amend/"


def test_the_api_answers_400_for_an_empty_record(session, manager):
    response = api_as(manager).post(hold_url(session), {"notes": "ok"}, format="json")
    assert response.status_code == 400
    assert "rate at least one skill, or write a note" in response.json()["message"]


def test_the_api_answers_409_for_a_session_that_has_not_started(session, manager, clock):
    clock.set(START - EARLY - dt.timedelta(minutes=1))
    response = api_as(manager).post(hold_url(session), {"notes": NOTE}, format="json")
    assert response.status_code == 409
    assert "has not started" in response.json()["message"]


def test_the_api_amends_within_the_window_and_answers_409_after(held, manager, skill, clock):
    made = Commitment.objects.filter(session=held).order_by("pk").first()
    client = api_as(manager)
    detail = client.get(f"/api/v1/coaching/sessions/{held.pk}/").json()
    assert detail["amendable_until"].startswith("2026-03-13T10:30")
    clock.advance(hours=1)
    response = client.post(
        amend_url(held),
        {
            "notes": NOTE,
            "observations": rated(skill, 3),
            "commitments": [{"id": made.pk, "text": "Ask twice", "due_date": due(4)}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [o["rating"] for o in body["observations"]] == [3]
    assert [(c["id"], c["text"]) for c in body["commitments"]] == [(made.pk, "Ask twice")]

    assert client.post(amend_url(held), {"notes": "x"}, format="json").status_code == 400
    clock.set(held.held_at + WINDOW + dt.timedelta(minutes=1))
    late = client.post(amend_url(held), {"notes": NOTE}, format="json")
    assert late.status_code == 409 and "final" in late.json()["message"]
    assert api_as(held.rep).post(amend_url(held), {"notes": NOTE}, format="json").status_code == 403


# --- the page ----------------------------------------------------------------------------------


def page_url(session, action: str = "") -> str:
    return f"/coaching/sessions/{session.pk}/{action}"


def form_data(skill, **change) -> dict:
    return {
        f"rating_{skill.pk}": "4",
        f"evidence_{skill.pk}": "Paused after the ask.",
        "commitment_0_text": "Ask for the order on three calls",
        "commitment_0_skill": str(skill.pk),
        "commitment_0_due": due(7),
        "notes": "Strong close.",
        "private_notes": "",
        **change,
    }


@pytest.fixture
def focused(session, skill):
    CoachingSession.objects.filter(pk=session.pk).update(focus_skill=skill)
    session.refresh_from_db()
    return session


def test_the_page_shows_what_will_be_saved_and_saves_only_once_confirmed(
    client, focused, manager, skill
):
    client.force_login(manager)
    first = client.post(page_url(focused, "hold/"), form_data(skill))
    assert first.status_code == 200
    html = first.content.decode()
    assert "Check before saving" in html and "Confirm and save" in html
    assert "Ask for the order on three calls" in html and "Paused after the ask." in html
    assert f'type="hidden" name="rating_{skill.pk}" value="4"' in html
    focused.refresh_from_db()
    assert focused.status == "scheduled" and not Observation.objects.exists()

    back = client.post(page_url(focused, "hold/"), {**form_data(skill), "edit": "1"})
    assert "Check before saving" not in back.content.decode()
    assert 'value="Ask for the order on three calls"' in back.content.decode()

    saved = client.post(page_url(focused, "hold/"), {**form_data(skill), "confirm": "1"})
    assert saved.status_code == 302 and saved["Location"] == page_url(focused)
    focused.refresh_from_db()
    assert focused.status == "held" and Observation.objects.get().rating == 4


def test_with_htmx_the_confirmation_is_the_page_s_partial(client, focused, manager, skill):
    client.force_login(manager)
    response = client.post(page_url(focused, "hold/"), form_data(skill), **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Confirm and save" in html
    assert 'hx-post="/coaching/sessions/' in html


@pytest.mark.parametrize("confirm", [False, True])
def test_an_empty_record_is_a_form_error_in_words(client, focused, manager, skill, confirm):
    client.force_login(manager)
    empty = {"notes": "Fine.", **({"confirm": "1"} if confirm else {})}
    html = client.post(page_url(focused, "hold/"), empty, **HTMX).content.decode()
    assert "Nothing to record yet: rate at least one skill" in html
    assert "Confirm and save" not in html
    focused.refresh_from_db()
    assert focused.status == "scheduled"


def test_recording_too_early_is_a_form_error_in_words(client, focused, manager, skill, clock):
    clock.set(START - dt.timedelta(hours=2))
    client.force_login(manager)
    page = client.get(page_url(focused)).content.decode()
    assert "You can record it from Thu 12 Mar, 09:50" in page
    html = client.post(
        page_url(focused, "hold/"), {**form_data(skill), "confirm": "1"}
    ).content.decode()
    assert "This session has not started" in html
    assert 'name="commitment_0_text"' in html  # the form, filled in, to come back to
    focused.refresh_from_db()
    assert focused.status == "scheduled"


def test_the_coach_amends_through_the_page_in_two_steps(client, held, manager, skill, clock):
    client.force_login(manager)
    page = client.get(page_url(held)).content.decode()
    assert "You can change this record until Fri 13 Mar, 10:30" in page
    assert "Change the record" in page and 'value="Prospect 20 accounts"' in page
    assert f'type="date" name="commitment_0_due" value="{due(5)}"' in page
    made = list(Commitment.objects.filter(session=held).order_by("pk"))
    data = {
        f"rating_{skill.pk}": "2",
        "commitment_0_id": str(made[0].pk),
        "commitment_0_text": "Ask for the order on two calls",
        "commitment_0_due": due(7),
        "notes": NOTE,
    }
    preview = client.post(page_url(held, "amend/"), data).content.decode()
    assert "Check before saving" in preview and "Ask for the order on two calls" in preview
    assert Observation.objects.get().rating == 5
    saved = client.post(page_url(held, "amend/"), {**data, "confirm": "1"})
    assert saved.status_code == 302
    assert Observation.objects.get().rating == 2
    assert list(Commitment.objects.filter(session=held).values_list("pk", "text")) == [
        (made[0].pk, "Ask for the order on two calls")
    ]


def test_after_the_window_the_record_is_read_only_and_says_so(client, held, manager, clock):
    clock.set(held.held_at + WINDOW + dt.timedelta(minutes=1))
    client.force_login(manager)
    page = client.get(page_url(held)).content.decode()
    assert "This record is final" in page and "Change the record" not in page
    response = client.post(page_url(held, "amend/"), {"notes": NOTE, "confirm": "1"})
    assert response.status_code == 302
    assert Observation.objects.get().rating == 5


def test_the_rep_sees_no_way_to_change_the_record(client, held):
    client.force_login(held.rep)
    page = client.get(page_url(held)).content.decode()
    assert "Change the record" not in page and "This record is final" not in page
    assert client.post(page_url(held, "amend/"), {"notes": NOTE}).status_code == 403


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_hold_and_amend_pages_cost_a_bounded_number_of_queries(client, held, manager, skill):
    client.force_login(manager)
    one = queries(client, page_url(held))
    for n in range(4):
        Commitment.objects.create(
            rep=held.rep, session=held, text=f"More {n}", due_date=dt.date(2026, 4, 1)
        )
        Observation.objects.create(
            rep=held.rep,
            session=held,
            skill=SkillFactory(),
            rating=3,
            observed_at=held.held_at,
        )
    assert queries(client, page_url(held)) == one <= 12
    scheduled = session_with(held.rep, scheduled_for=START + dt.timedelta(days=1))
    # Eleven on the embedded default, where the signed-in session is read from the database.
    assert queries(client, page_url(scheduled)) <= 11
