"""The reinforcement answer page and the rep's home, end to end through the client."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fsrs import Rating

from coaching.models import Reinforcement, Reminder, SkillMemory
from coaching.skills.memory import memory_review
from coaching.skills.refreshers import reinforcements_due, reinforcements_expire
from lms.models import Choice, Question
from lms.services import enrolment_assign
from tests.coaching.factories import freeze, session_with
from tests.coaching.memory_support import T0
from tests.factories import (
    AdminFactory,
    ManagerFactory,
    RepFactory,
    SkillFactory,
    build_module,
    question_with_choices,
)

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
# Ten days after a first review at T0, recall has fallen below the target: due. A Thursday,
# 09:00 in New York (EDT since 8 March), so the rep's reinforcement opens at once.
OPEN_AT = dt.datetime(2026, 3, 12, 13, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, OPEN_AT)


@pytest.fixture
def manager(db):
    return ManagerFactory(username="maria", timezone="Europe/London")


@pytest.fixture
def rep(manager):
    return RepFactory(
        username="john", first_name="John", manager=manager, timezone="America/New_York"
    )


@pytest.fixture
def closing(db):
    return SkillFactory(slug="closing", name="Closing")


def open_reinforcement(rep, skill, *, multiple: bool = True) -> Reinforcement:
    """A module teaching ``skill`` (two single-choice questions and, if asked, one multiple),
    a first review at T0, and the reinforcement the service opens now."""
    module = build_module(skill=skill, questions=2)
    if multiple:
        question_with_choices(module.quiz, [True, True, False], position=3, skill=skill)
    for number, question in enumerate(module.quiz.questions.order_by("position"), start=1):
        question.explanation = f"Reason {number} for {skill.name}: ask for the next step."
        question.save(update_fields=["explanation"])
    memory_review(rep=rep, skill=skill, rating=Rating.Good, at=T0)
    [reinforcement] = reinforcements_due(now=timezone.now())
    assert reinforcement.rep == rep
    return reinforcement


@pytest.fixture
def reinforcement(rep, closing, clock):
    return open_reinforcement(rep, closing)


def page_of(reinforcement) -> str:
    return reverse("coaching:reinforcement", args=[reinforcement.pk])


def answers(reinforcement, *, wrong: int = 0) -> dict[str, list[int]]:
    """Form data answering every question, the first ``wrong`` of them wrongly."""
    data = {}
    for index, question_id in enumerate(reinforcement.question_ids):
        choices = Choice.objects.filter(question_id=question_id).order_by("position")
        if index < wrong:
            picked = [next(c.pk for c in choices if not c.is_correct)]
        else:
            picked = [c.pk for c in choices if c.is_correct]
        data[f"question_{question_id}"] = picked
    return data


def memory_of(rep, skill) -> SkillMemory:
    return SkillMemory.objects.get(rep=rep, skill=skill)


def long_date(value: dt.datetime, tz) -> str:
    local = timezone.localtime(value, tz)
    return f"{local:%A} {local.day} {local:%B %Y}"


# --- showing the questions ---------------------------------------------------------------------


def test_the_page_shows_the_questions_in_their_frozen_order_and_gives_no_answer_away(
    client, rep, reinforcement
):
    client.force_login(rep)
    response = client.get(page_of(reinforcement))

    assert response.status_code == 200
    html = response.content.decode()
    questions = Question.objects.in_bulk(reinforcement.question_ids)
    positions = [html.index(questions[pk].prompt) for pk in reinforcement.question_ids]
    assert positions == sorted(positions)
    for pk in reinforcement.question_ids:
        question = questions[pk]
        kind = "checkbox" if question.kind == Question.Kind.MULTIPLE else "radio"
        assert html.count(f'type="{kind}" name="question_{pk}"') == question.choices.count()
        assert question.explanation not in html
    # Nothing in the raw page tells a right choice from a wrong one.
    assert "correct" not in html.lower()
    assert "✓" not in html
    assert "Why:" not in html


def test_the_reminder_links_to_the_answer_page(rep, reinforcement):
    reminder = Reminder.objects.filter(recipient=rep, kind=Reminder.Kind.REINFORCEMENT_DUE).first()
    assert reminder.payload["url"] == page_of(reinforcement)


@pytest.mark.parametrize("who", ["other_rep", "manager", "admin"])
def test_someone_elses_reinforcement_is_a_404_even_for_their_manager(
    client, rep, manager, reinforcement, who
):
    people = {
        "other_rep": lambda: RepFactory(manager=manager),
        "manager": lambda: manager,
        "admin": AdminFactory,
    }
    client.force_login(people[who]())
    assert client.get(page_of(reinforcement)).status_code == 404
    assert client.post(page_of(reinforcement), answers(reinforcement)).status_code == 404
    reinforcement.refresh_from_db()
    assert reinforcement.status == Reinforcement.Status.PENDING


# --- answering ------------------------------------------------------------------------------------


def test_answering_without_javascript_reviews_the_skill_and_shows_the_feedback(
    client, rep, closing, reinforcement, clock
):
    before = memory_of(rep, closing)
    # Late in the evening in New York: already tomorrow in UTC.
    clock.set(dt.datetime(2026, 3, 13, 3, 30, tzinfo=dt.UTC))
    client.force_login(rep)

    response = client.post(page_of(reinforcement), answers(reinforcement))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html  # the whole page, with the feedback in place of the form
    assert "You got 3 of 3 right" in html
    for question in Question.objects.filter(pk__in=reinforcement.question_ids):
        assert question.explanation in html
    assert html.count("✓ correct answer") == 4  # two single-choice, one with two right
    assert 'name="question_' not in html

    after = memory_of(rep, closing)
    assert after.reviews == before.reviews + 1
    assert after.last_review_at == clock.now
    assert after.next_due_at > clock.now
    assert after.next_due_at != before.next_due_at
    # The next refresher's date is the rep's own calendar's, not UTC's.
    assert long_date(after.next_due_at, NEW_YORK) in html
    assert long_date(after.next_due_at, dt.UTC) not in html
    reinforcement.refresh_from_db()
    assert reinforcement.status == Reinforcement.Status.ANSWERED
    assert reinforcement.score == 100


def test_answering_with_htmx_swaps_in_the_feedback_partial(client, rep, closing, reinforcement):
    before = memory_of(rep, closing)
    client.force_login(rep)

    response = client.post(
        page_of(reinforcement), answers(reinforcement, wrong=1), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "You got 2 of 3 right" in html
    assert html.count("Missed") == 1
    assert "(your answer)" in html
    for question in Question.objects.filter(pk__in=reinforcement.question_ids):
        assert question.explanation in html
    after = memory_of(rep, closing)
    assert after.reviews == before.reviews + 1
    assert after.next_due_at != before.next_due_at
    assert long_date(after.next_due_at, NEW_YORK) in html


def test_a_reinforcement_with_nothing_picked_counts_every_question_wrong(
    client, rep, reinforcement
):
    client.force_login(rep)
    response = client.post(page_of(reinforcement), {})
    assert response.status_code == 200
    assert "You got 0 of 3 right" in response.content.decode()


def test_answering_twice_is_refused_with_a_clear_message(client, rep, closing, reinforcement):
    client.force_login(rep)
    assert client.post(page_of(reinforcement), answers(reinforcement)).status_code == 200
    reviewed = memory_of(rep, closing)

    again = client.post(page_of(reinforcement), answers(reinforcement, wrong=3))
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    # What it shows is the first answer, which stands.
    assert "You got 3 of 3 right" in again.content.decode()

    with_htmx = client.post(page_of(reinforcement), answers(reinforcement), HTTP_HX_REQUEST="true")
    assert "already answered" in with_htmx.content.decode()
    assert memory_of(rep, closing).reviews == reviewed.reviews
    reinforcement.refresh_from_db()
    assert reinforcement.score == 100

    # Coming back later shows the result, answers and all.
    later = client.get(page_of(reinforcement)).content.decode()
    assert "You got 3 of 3 right" in later and 'name="question_' not in later


def test_an_expired_reinforcement_cannot_be_answered(client, rep, closing, reinforcement, clock):
    before = memory_of(rep, closing)
    clock.set(reinforcement.expires_at + dt.timedelta(minutes=1))
    client.force_login(rep)

    page = client.get(page_of(reinforcement)).content.decode()
    assert "expired" in page
    assert 'name="question_' not in page

    response = client.post(page_of(reinforcement), answers(reinforcement))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert "correct" not in response.content.decode().lower()

    reinforcements_expire(now=clock.now)
    swept = client.post(page_of(reinforcement), answers(reinforcement), HTTP_HX_REQUEST="true")
    assert "expired" in swept.content.decode()
    assert memory_of(rep, closing).reviews == before.reviews
    reinforcement.refresh_from_db()
    assert reinforcement.status == Reinforcement.Status.EXPIRED


def test_a_choice_from_another_question_is_refused(client, rep, reinforcement):
    first, second = reinforcement.question_ids[:2]
    stray = Choice.objects.filter(question_id=second).first()
    client.force_login(rep)
    response = client.post(page_of(reinforcement), {f"question_{first}": [stray.pk]})
    assert response.status_code == 400
    reinforcement.refresh_from_db()
    assert reinforcement.status == Reinforcement.Status.PENDING


# --- the rep's home -----------------------------------------------------------------------------


def test_a_rep_lands_on_their_home(client, rep):
    client.force_login(rep)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:rep_home")


def test_the_rep_home_shows_refreshers_the_next_session_and_training(
    client, rep, manager, closing, reinforcement, clock
):
    session = session_with(rep, scheduled_for=dt.datetime(2026, 3, 16, 14, tzinfo=dt.UTC))
    module = Question.objects.get(pk=reinforcement.question_ids[0]).quiz.module
    enrolment_assign(actor=manager, user=rep, course=module.course)
    client.force_login(rep)

    response = client.get(reverse("coaching:rep_home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome, John." in html
    assert f'href="{page_of(reinforcement)}"' in html
    assert "Answer now" in html and "Closing" in html
    assert '<span class="badge warn">1<span class="visually-hidden"> to answer' in html
    # 14:00 UTC is 10:00 in New York.
    local = timezone.localtime(session.scheduled_for, NEW_YORK)
    assert f"{local:%A} {local.day} {local:%B}, 10:00 EDT" in html
    assert f'href="{reverse("coaching:my_coaching")}"' in html
    assert module.course.title in html
    assert f'aria-label="Progress in {module.course.title}"' in html
    assert f'href="{reverse("lms:my_learning")}"' in html


def test_the_rep_home_does_not_list_answered_or_unopened_refreshers(
    client, rep, closing, reinforcement
):
    client.force_login(rep)
    client.post(page_of(reinforcement), answers(reinforcement))
    html = client.get(reverse("coaching:rep_home")).content.decode()
    assert page_of(reinforcement) not in html
    assert "Nothing to refresh right now" in html


def fill_home(rep, manager, count: int, now: dt.datetime, settings) -> None:
    """``count`` pending refreshers, scheduled sessions and enrolled courses for ``rep``."""
    settings.REINFORCEMENT_MAX_PER_DAY = count
    for n in range(count):
        skill = SkillFactory(slug=f"skill-home-{n}", name=f"Skill {n}")
        module = build_module(skill=skill, questions=2)
        memory_review(rep=rep, skill=skill, rating=Rating.Good, at=T0)
        session_with(rep, scheduled_for=now + dt.timedelta(days=1 + n))
        enrolment_assign(actor=manager, user=rep, course=module.course)
    assert len(reinforcements_due(now=now)) == count


def home_queries(client, rep) -> int:
    client.force_login(rep)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("coaching:rep_home"))
    assert response.status_code == 200
    return len(queries)


def test_the_rep_home_costs_the_same_queries_for_one_row_or_ten(
    client, manager, clock, settings, django_assert_max_num_queries, session_read
):
    one = RepFactory(manager=manager, timezone="America/New_York")
    ten = RepFactory(manager=manager, timezone="America/New_York")
    fill_home(one, manager, 1, clock.now, settings)
    fill_home(ten, manager, 10, clock.now, settings)

    assert home_queries(client, one) == home_queries(client, ten)
    client.force_login(ten)
    # My skills reads the rep's row of the skill matrix (its fixed handful of queries) and
    # their ratings over time: more than before, and still the same for one row or ten.
    with django_assert_max_num_queries(29 + session_read):  # 28, and the peer practice they lead
        html = client.get(reverse("coaching:rep_home")).content.decode()
    assert html.count("Answer now") == 10
