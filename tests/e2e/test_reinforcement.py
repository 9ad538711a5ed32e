import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.skills.refreshers import reinforcements_due
from lms.services import enrolment_assign
from tests.coaching.factories import complete_module, freeze
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


def a_module_on_objections():
    skill = SkillFactory(slug="objection-handling", name="Objection handling")
    course = CourseFactory(title="Handling objections")
    module = ModuleFactory(course=course, title="Price objections")
    module.skills.add(skill)
    LessonFactory(module=module, position=1, title="Hear it out")
    quiz = QuizFactory(module=module, pass_mark=100, max_attempts=3, shuffle_choices=False)
    for number in (1, 2):
        question = QuestionFactory(
            quiz=quiz,
            position=number,
            prompt=f"Objection question {number}?",
            skill=skill,
            explanation=f"Explanation {number}: acknowledge before you answer.",
        )
        ChoiceFactory(question=question, position=1, text=f"Acknowledge {number}", is_correct=True)
        ChoiceFactory(question=question, position=2, text=f"Discount {number}")
    return course, module


def test_a_rep_answers_a_due_refresher_from_their_home_without_a_reload(
    page, settings, monkeypatch
):
    # Refreshers open at once whatever the hour this runs at.
    settings.COACHING_WORKDAY_START_HOUR, settings.COACHING_WORKDAY_END_HOUR = 0, 24
    manager = ManagerFactory()
    rep = RepFactory(username="jo", first_name="Jo", manager=manager)
    course, module = a_module_on_objections()
    enrolment_assign(actor=manager, user=rep, course=course)
    # The module was completed a month ago, through the training services: the skill has
    # faded since, so the periodic pass opens a refresher on it now.
    now = timezone.now()
    freeze(monkeypatch, now - dt.timedelta(days=30))
    complete_module(rep, module)
    monkeypatch.undo()
    [reinforcement] = reinforcements_due(now=now)
    assert reinforcement.rep == rep

    sign_in(page, "jo", PASSWORD)
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    refreshers = page.locator("section", has=page.get_by_role("heading", name="Refreshers"))
    expect(refreshers.locator(".badge")).to_contain_text("1")
    expect(refreshers).to_contain_text("Objection handling")

    refreshers.get_by_role("link", name="Answer now").click()
    expect(page.get_by_role("heading", name="Refresher: Objection handling")).to_be_visible()
    expect(page.get_by_text("Explanation 1")).to_have_count(0)
    page.get_by_label("Acknowledge 1").check()
    page.get_by_label("Discount 2").check()
    # The page must not reload: a marker set now survives only an in-place swap.
    page.evaluate("window.stillHere = true")
    page.get_by_role("button", name="Check my answers").click()

    expect(page.get_by_role("heading", name="You got 1 of 2 right")).to_be_visible()
    expect(page.get_by_text("Explanation 1: acknowledge before you answer.")).to_be_visible()
    expect(page.get_by_text("Explanation 2: acknowledge before you answer.")).to_be_visible()
    expect(page.locator(".choice.correct")).to_have_count(2)
    expect(page.get_by_text("Next refresher on Objection handling")).to_be_visible()
    assert page.evaluate("window.stillHere") is True

    page.get_by_role("link", name="Back to home").click()
    expect(page.get_by_text("Nothing to refresh right now")).to_be_visible()
