"""An admin builds a course from nothing in the product's own pages (no Django admin, no
command line), publishes it, and a rep takes it, passes, and gets the follow-up booked."""

import pytest
from playwright.sync_api import expect

from coaching.models import CoachingSession
from lms.models import Course, Enrolment, LessonProgress, QuizAttempt
from lms.services import enrolment_assign
from tests.e2e.conftest import LAPTOP, PHONE, sign_in
from tests.factories import PASSWORD, AdminFactory, ManagerFactory, RepFactory, SkillFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

QUESTIONS = [
    ("What opens a discovery call best?", "An open question", "A price list"),
    ("Who should talk most on a discovery call?", "The buyer", "The rep"),
    ("What follows a vague answer?", "A follow-up question", "The demo"),
    ("When do you summarise what you heard?", "Before moving on", "Never"),
    ("What ends a good discovery call?", "An agreed next step", "A discount"),
]


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#id_username")).to_be_visible()


def module_tabs(page):
    return page.get_by_role("navigation", name="This module")


def write_quiz(page) -> None:
    """Five single-choice questions through the one-page editor, each row added in place,
    with no script error on the way (the check as the author goes included)."""
    script_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and script_errors.append(message.text)
    )
    for number, (prompt, right, wrong) in enumerate(QUESTIONS):
        if number:  # a new quiz opens with its first question ready
            page.get_by_role("button", name="Add a question").click()
        expect(page.locator(f"#id_q{number}-prompt")).to_be_visible()
        page.locator(f"#id_q{number}-prompt").fill(prompt)
        page.get_by_label(f"Question {number + 1}, choice 1").fill(right)
        page.get_by_label(f"Question {number + 1}, choice 2").fill(wrong)
        page.locator(f"#id_q{number}-c0-is_correct").check()
    # Checked as the author goes: a second correct choice is named at once, then put right.
    page.locator("#id_q0-c1-is_correct").check()
    expect(page.locator("#q0-problems")).to_contain_text("exactly one correct choice")
    page.locator("#id_q0-c1-is_correct").uncheck()
    expect(page.locator("#q0-problems")).not_to_contain_text("exactly one correct choice")
    page.get_by_label("Pass mark (%)").fill("80")
    page.get_by_role("button", name="Save quiz", exact=True).last.click()
    expect(page.get_by_text("Saved the quiz for “Open questions”.")).to_be_visible()
    assert script_errors == []


def test_an_admin_builds_and_publishes_a_course_and_a_rep_passes_it_and_gets_coaching(page, shots):
    SkillFactory(slug="discovery", name="Discovery")
    AdminFactory(username="ada")
    manager = ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")
    rep = RepFactory(username="jo", first_name="Jo", last_name="Rep", manager=manager)

    sign_in(page, "ada", PASSWORD)
    page.goto("/author/")
    page.get_by_role("link", name="New course").first.click()
    page.get_by_label("Title").fill("Discovery calls")
    page.get_by_label("Summary").fill("Ask before you tell.")
    page.get_by_label("Discovery").check()
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_role("heading", name="Discovery calls")).to_be_visible()

    # A module, tagged with its skill.
    page.get_by_label("Add a module").fill("Open questions")
    page.get_by_role("button", name="Add module").click()
    page.get_by_role("link", name="Edit Open questions").click()
    page.get_by_label("Discovery").check()
    page.get_by_role("button", name="Save the module").click()

    # A lesson, its preview drawn as it is typed by the reader's own sanitiser.
    page.get_by_role("link", name="Add a lesson").first.click()
    page.get_by_label("Title").fill("Why ask")
    page.get_by_label("Estimated minutes").fill("4")
    page.get_by_label("Text (Markdown)").fill(
        "## Ask first\n\nAsk **before** you tell.\n\n<script>alert('x')</script>"
    )
    preview = page.locator("#lesson-preview")
    expect(preview.get_by_role("heading", name="Ask first")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("before")
    expect(preview.locator("script")).to_have_count(0)
    page.get_by_label("Video link").fill("https://example.com/talk.mp4")
    expect(preview).to_contain_text("will not play inside the lesson")
    page.get_by_label("Video link").fill("https://youtu.be/dQw4w9WgXcQ")
    expect(preview.locator("iframe")).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )
    page.get_by_role("button", name="Add lesson").click()
    expect(page.get_by_text("Saved “Why ask”.")).to_be_visible()
    for name, size in (("lesson", LAPTOP), ("lesson-phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=shots / f"author-{name}.png", full_page=True)
    page.set_viewport_size(LAPTOP)

    # The quiz of five questions, on one page.
    module_tabs(page).get_by_role("link", name="Quiz").click()
    write_quiz(page)
    page.screenshot(path=shots / "author-quiz.png")

    # The coaching guide.
    module_tabs(page).get_by_role("link", name="Coaching guide").click()
    page.get_by_label("Questions to ask").fill(
        "Which question opened up your last call?\nWhat did you learn that you did not expect?"
    )
    page.get_by_label("Behaviours to observe").fill("Lets the buyer finish before answering")
    page.get_by_label("Practice task").fill("Role-play a discovery call with three open questions.")
    page.get_by_role("button", name="Save the guide").click()
    expect(page.get_by_text("Saved the coaching guide")).to_be_visible()

    # Preview as a rep, a draft still, leaves no learner data; then publish.
    module_tabs(page).get_by_role("link", name="Preview as a rep").click()
    expect(page.get_by_text("Preview as a rep.")).to_be_visible()
    page.locator(".modules").get_by_role("link", name="Quiz").click()
    expect(page.locator("legend", has_text="What opens a discovery call best?")).to_be_visible()
    expect(page.get_by_role("button", name="Submit answers")).to_be_disabled()
    assert not (
        Enrolment.objects.exists()
        or LessonProgress.objects.exists()
        or QuizAttempt.objects.exists()
    )
    page.get_by_role("link", name="Back to the course outline").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="Published", exact=True)).to_be_visible()
    course = Course.objects.get(title="Discovery calls")
    assert course.is_published and course.modules.get().quiz.questions.count() == 5
    sign_out(page)

    # A rep enrolled takes it and passes; the follow-up coaching session is booked.
    enrolment_assign(actor=manager, user=rep, course=course)
    sign_in(page, "jo", PASSWORD)
    page.get_by_role("link", name="Discovery calls").first.click()
    page.locator(".modules").get_by_role("link", name="Why ask").click()
    expect(page.locator(".lesson-body strong")).to_have_text("before")
    page.get_by_role("button", name="Mark complete").click()
    expect(page.get_by_text("✓ Done")).to_be_visible()
    page.get_by_role("link", name="Take the quiz →").click()
    page.get_by_role("button", name="Start the quiz").click()
    for _prompt, right, _wrong in QUESTIONS:
        page.get_by_label(right).check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Attempt 1: passed")).to_be_visible()
    expect(page.get_by_text("Module complete")).to_be_visible()
    notice = page.get_by_role("status").filter(has_text="is booked for")
    expect(notice).to_be_visible()
    session = CoachingSession.objects.get(rep=rep)
    assert session.coach == manager
    assert session.source == CoachingSession.Source.AFTER_TRAINING
    notice.get_by_role("link", name="Open the session").click()
    expect(page.get_by_role("heading", name="Coaching session")).to_be_visible()
    expect(
        page.get_by_text("Role-play a discovery call with three open questions.")
    ).to_be_visible()
