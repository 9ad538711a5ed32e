"""A rep runs out of attempts at a quiz, asks their manager for more, the manager gives them from
the notification, and the rep passes. The quiz result pages are photographed on a laptop and a
phone (``$E2E_SCREENSHOTS`` when set)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coaching.models import Reminder
from coaching.tasks import send_reminders
from lms.models import ExtraAttemptGrant
from lms.services import enrolment_assign
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import (
    PASSWORD,
    ChoiceFactory,
    CourseFactory,
    ManagerFactory,
    ModuleFactory,
    QuestionFactory,
    QuizFactory,
    RepFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": LAPTOP, "phone": PHONE}


def a_quiz_with_one_attempt():
    course = CourseFactory(title="Objection handling")
    module = ModuleFactory(course=course, title="Price objections")
    quiz = QuizFactory(module=module, pass_mark=100, max_attempts=1, shuffle_choices=False)
    for number in (1, 2):
        question = QuestionFactory(
            quiz=quiz,
            position=number,
            prompt=f"The buyer says it is too expensive ({number}). What next?",
            explanation="Ask what they compare the price with before defending it.",
        )
        ChoiceFactory(
            question=question,
            position=1,
            text=f"Ask what it is compared with {number}",
            is_correct=True,
        )
        ChoiceFactory(question=question, position=2, text=f"Offer a discount {number}")
    return course, quiz


def deliver_in_app() -> None:
    """The outbox's worker, run here and now: the bell shows what it delivered."""
    due = Reminder.objects.filter(status=Reminder.Status.PENDING, channel=Reminder.Channel.IN_APP)
    send_reminders(list(due.values_list("pk", flat=True)))


@pytest.mark.parametrize("size", SIZES)
def test_a_rep_out_of_attempts_asks_and_gets_more_from_their_manager(
    page, browser, live_server, shots, size
):
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    rep = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)
    course, quiz = a_quiz_with_one_attempt()
    enrolment_assign(actor=manager, user=rep, course=course)

    page.set_viewport_size(SIZES[size])
    sign_in(page, "jo", PASSWORD)
    page.goto(f"/learn/quizzes/{quiz.pk}/")
    page.get_by_role("button", name="Start the quiz").click()

    # One question left blank: the page asks before submitting.
    page.get_by_label("Offer a discount 1").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("1 question unanswered: submit anyway?")).to_be_visible()
    expect(page.get_by_label("Offer a discount 1")).to_be_checked()
    page.get_by_role("button", name="Submit anyway").click()

    expect(page.get_by_role("heading", name="Attempt 1: not passed")).to_be_visible()
    # Out of attempts, so the right answers are shown now (the default review policy).
    expect(page.locator(".choice.correct")).to_have_count(2)
    expect(
        page.get_by_text("Your manager, Maria Lopez, can give you more attempts.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    page.screenshot(path=str(shots / f"quiz-result-used-up-{size}.png"), full_page=True)

    page.get_by_role("button", name="Ask Maria Lopez for more attempts").click()
    expect(page.get_by_text("You asked Maria Lopez for more attempts on")).to_be_visible()
    page.screenshot(path=str(shots / f"quiz-result-asked-{size}.png"), full_page=True)

    deliver_in_app()
    coach = browser.new_context(base_url=live_server.url, viewport=SIZES[size]).new_page()
    sign_in(coach, "maria", PASSWORD)
    coach.goto("/coaching/notifications/")
    coach.get_by_role("link", name="Jo Rep asks for more attempts at Price objections").click()
    grants = coach.locator("#extra-attempts")
    expect(grants).to_contain_text("Jo Rep")
    expect(grants).to_contain_text("Asked you on")
    coach.screenshot(path=str(shots / f"team-out-of-attempts-{size}.png"), full_page=True)
    grants.get_by_label("More attempts for Jo Rep").fill("2")
    grants.get_by_role("button", name="Give more attempts").click()
    expect(coach.get_by_text("Jo Rep has 2 more attempts at Price objections")).to_be_visible()
    assert ExtraAttemptGrant.objects.get().granted_by == manager

    page.goto(f"/learn/quizzes/{quiz.pk}/")
    expect(page.get_by_text("Maria Lopez gave you 2 more attempts")).to_be_visible()
    page.get_by_role("button", name="Try again").click()
    page.get_by_label("Ask what it is compared with 1").check()
    page.get_by_label("Ask what it is compared with 2").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Attempt 2: passed")).to_be_visible()
    expect(page.get_by_text("Module complete")).to_be_visible()
    expect(page.get_by_text("coaching session with your manager is booked for")).to_be_visible()
    expect(page.get_by_role("link", name="Continue the course")).to_be_visible()
    page.screenshot(path=str(shots / f"quiz-result-passed-{size}.png"), full_page=True)
