import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import CoachingSession, Commitment
from lms.services import enrolment_assign
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    ChoiceFactory,
    CourseFactory,
    LessonFactory,
    ManagerFactory,
    ModuleFactory,
    QuestionFactory,
    QuizFactory,
    RepFactory,
    SkillFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def a_course_with_one_module():
    skill = SkillFactory(slug="discovery", name="Discovery")
    course = CourseFactory(title="Discovery calls")
    module = ModuleFactory(
        course=course,
        title="Open questions",
        coaching_questions=["Which question opened up your last call?"],
        coaching_behaviours=["Lets the buyer finish before answering"],
        practice_task="Role-play a discovery call with three open questions.",
    )
    module.skills.add(skill)
    LessonFactory(module=module, position=1, title="Why ask", body="Ask **before** you tell.")
    quiz = QuizFactory(module=module, pass_mark=50, max_attempts=3, shuffle_choices=False)
    for number in (1, 2):
        question = QuestionFactory(
            quiz=quiz, position=number, prompt=f"Question {number}?", skill=skill
        )
        ChoiceFactory(question=question, position=1, text=f"Right {number}", is_correct=True)
        ChoiceFactory(question=question, position=2, text=f"Wrong {number}")
    return course


def nav(page):
    return page.get_by_role("navigation", name="Main")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#id_username")).to_be_visible()


def test_a_passed_quiz_books_a_session_the_manager_holds_and_the_rep_keeps_the_commitment(page):
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    rep = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)
    enrolment_assign(actor=manager, user=rep, course=a_course_with_one_module())

    # The rep finishes the module: one lesson, then the quiz with one question missed.
    sign_in(page, "jo", PASSWORD)
    nav(page).get_by_role("link", name="My learning").click()
    page.get_by_role("link", name="Discovery calls").click()
    page.locator(".modules").get_by_role("link", name="Why ask").click()
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("✓ Done")).to_be_visible()
    page.get_by_role("link", name="Take the quiz →").click()
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Right 1").check()
    page.get_by_label("Wrong 2").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Attempt 1: passed")).to_be_visible()

    # The result names the booked session's time in the rep's zone and links to it; the
    # session is on "My coaching" too, with its agenda; the rep prepares for it.
    session = CoachingSession.objects.get(rep=rep)
    when = timezone.localtime(session.scheduled_for, rep.tzinfo)
    notice = page.get_by_role("status").filter(has_text="is booked for")
    expect(notice).to_contain_text(f"{when:%H:%M}")
    notice.get_by_role("link", name="Open the session").click()
    expect(page.get_by_role("heading", name="Coaching session")).to_be_visible()
    nav(page).get_by_role("link", name="My coaching").click()
    expect(page.get_by_role("heading", name="My coaching", exact=True)).to_be_visible()
    next_up = page.locator("section", has=page.get_by_role("heading", name="Next session"))
    expect(next_up).to_contain_text(f"{when:%H:%M}")
    expect(next_up).to_contain_text("with Maria Lopez")
    expect(next_up).to_contain_text("Role-play a discovery call with three open questions.")
    expect(next_up).to_contain_text("Question 2?")
    page.get_by_label("Your reflection").fill("I rush to pitch; help me slow down.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_role("status").filter(has_text="Saved ✓")).to_be_visible()
    sign_out(page)

    # The session's time comes: it may be recorded once it has begun.
    CoachingSession.objects.filter(pk=session.pk).update(
        scheduled_for=timezone.now() - dt.timedelta(minutes=5)
    )
    session.refresh_from_db()
    when = timezone.localtime(session.scheduled_for, rep.tzinfo)

    # The manager finds it on their week, opens it and holds it.
    sign_in(page, "maria", PASSWORD)
    nav(page).get_by_role("link", name="Sessions this week").click()
    expect(page.get_by_role("heading", name="Sessions this week")).to_be_visible()
    monday = timezone.localtime(session.scheduled_for, manager.tzinfo).date()
    monday -= dt.timedelta(days=monday.weekday())
    page.goto(f"/coaching/week/?week={monday.isoformat()}")
    page.get_by_role("link", name=f"{when:%H:%M} · Jo Rep").click()
    expect(page.get_by_role("heading", name="Coaching session")).to_be_visible()
    expect(page.get_by_text("I rush to pitch; help me slow down.")).to_be_visible()

    rubric = page.get_by_role("group", name="Discovery", exact=True)
    rubric.get_by_label("4 · Proficient", exact=False).check()
    page.get_by_label("Evidence for Discovery").fill("Asked three open questions in a row.")
    page.get_by_label("Commitment 1", exact=True).fill("Open every call with a question")
    page.get_by_label("Skill of commitment 1").select_option(label="Discovery")
    due = timezone.localdate() + dt.timedelta(days=7)
    page.get_by_label("Due date of commitment 1").fill(due.isoformat())
    page.get_by_label("Shared notes").fill("Good pace; keep the pauses.")
    page.get_by_label("Private notes").fill("Ready for harder accounts soon.")
    page.get_by_role("button", name="Review the record").click()
    expect(page.get_by_role("heading", name="Check before saving")).to_be_visible()
    assert not Commitment.objects.filter(rep=rep).exists()
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_role("heading", name="What was recorded")).to_be_visible()
    expect(page.get_by_text("Session recorded as held.")).to_be_visible()
    assert Commitment.objects.get(rep=rep).text == "Open every call with a question"
    sign_out(page)

    # The rep sees the record and the commitment, and marks it kept.
    sign_in(page, "jo", PASSWORD)
    nav(page).get_by_role("link", name="My coaching").click()
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    expect(history).to_contain_text("Good pace; keep the pauses.")
    expect(history).to_contain_text("Proficient: uses it on most calls")
    expect(page.get_by_text("Ready for harder accounts soon.")).to_have_count(0)
    commitments = page.locator("section", has=page.get_by_role("heading", name="My commitments"))
    row = commitments.locator("li.commitment", has_text="Open every call with a question")
    row.get_by_placeholder("How did it go? (optional)").fill("Did it on every call.")
    row.get_by_role("button", name="Mark kept").click()
    expect(commitments.locator(".badge.ok", has_text="Kept")).to_be_visible()
    expect(commitments.get_by_role("button", name="Mark kept")).to_have_count(0)
    assert Commitment.objects.get(rep=rep).status == Commitment.Status.KEPT
