"""The rep's own pages: answering a reinforcement, and their home.

Same shape as the other coaching pages: parse, authorise through a selector (someone else's
reinforcement is a 404), call the service, render in the viewer's time zone. The answer form
posts without JavaScript too; with htmx the feedback partial is swapped in place.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.rendering import render_for_viewer
from coaching.insights.progress import rep_progress, stages_in_words
from coaching.models import Reinforcement, SkillMemory
from coaching.outcomes.selectors import rep_outcomes
from coaching.sessions.selectors import rep_coaching_overview
from coaching.skills.memory import rating_for_answers, retention_forecast
from coaching.skills.refreshers import (
    QuestionFeedback,
    ReinforcementFeedback,
    reinforcement_answer,
)
from coaching.skills.selectors import (
    reinforcement_for,
    reinforcement_questions,
    reinforcements_pending_for,
)
from config.errors import DomainError
from lms.forms import AttemptForm
from lms.models import Question
from lms.selectors.learning import learning_for
from lms.selectors.quizzes import AttemptItem, AttemptSheet

REINFORCEMENT = "coaching/reinforcement.html"
REP_HOME = "coaching/rep_home.html"
RECENT_SESSIONS = 3
ALREADY_ANSWERED = "You have already answered this refresher; here is how it went."
STRAY_CHOICE = "An answer was not one of its question's choices."


def _answer_form(questions: list[Question], data=None) -> AttemptForm:
    """The quiz form, fed this reinforcement's questions in their frozen order: one field per
    question that accepts only its own choices."""
    sheet = AttemptSheet(
        attempt=None,  # type: ignore[arg-type]  # the form reads only the items
        items=[
            AttemptItem(question=question, choices=list(question.choices.all()), answer=None)
            for question in questions
        ],
    )
    return AttemptForm(data, sheet=sheet)


def _feedback_on_record(
    reinforcement: Reinforcement, questions: list[Question]
) -> ReinforcementFeedback:
    """The feedback for a reinforcement answered earlier, rebuilt from its stored answers, with
    the skill's memory as it stands now."""
    answers = {answer.question_id: answer for answer in reinforcement.answers.all()}
    items = []
    for question in questions:
        answer = answers.get(question.pk)
        items.append(
            QuestionFeedback(
                question=question,
                is_correct=bool(answer and answer.is_correct),
                chosen_ids=list(answer.choice_ids) if answer else [],
                correct_ids=[choice.pk for choice in question.choices.all() if choice.is_correct],
                explanation=question.explanation,
            )
        )
    correct = sum(item.is_correct for item in items)
    memory = SkillMemory.objects.filter(
        rep_id=reinforcement.rep_id, skill_id=reinforcement.skill_id
    ).first()
    return ReinforcementFeedback(
        reinforcement=reinforcement,
        score=reinforcement.score or 0,
        correct=correct,
        total=len(items),
        rating=rating_for_answers(correct=correct, total=len(items)).name if items else "Again",
        items=items,
        retention=retention_forecast(memory=memory, at=timezone.now()) if memory else 0.0,
        next_due_at=memory.next_due_at if memory else None,
    )


def _is_expired(reinforcement: Reinforcement) -> bool:
    # Past its time but not yet swept by the periodic expiry: closed all the same.
    return reinforcement.status == Reinforcement.Status.EXPIRED or (
        reinforcement.status == Reinforcement.Status.PENDING
        and reinforcement.expires_at <= timezone.now()
    )


@login_required
@require_http_methods(["GET", "POST"])
def reinforcement_page(request: HttpRequest, reinforcement_id: int) -> HttpResponse:
    reinforcement = reinforcement_for(user=request.user, reinforcement_id=reinforcement_id)
    questions = reinforcement_questions(reinforcement=reinforcement)
    feedback: ReinforcementFeedback | None = None
    form: AttemptForm | None = None
    notice, status = "", 200

    if request.method == "POST":
        form = _answer_form(questions, request.POST)
        if not form.is_valid():
            notice, status = STRAY_CHOICE, 400
        else:
            try:
                feedback = reinforcement_answer(
                    rep=request.user, reinforcement=reinforcement, answers=form.answers()
                )
            except DomainError as refusal:
                notice, status = refusal.message, refusal.status_code
                reinforcement.refresh_from_db()
                if reinforcement.status == Reinforcement.Status.ANSWERED:
                    notice = ALREADY_ANSWERED
            else:
                # Show the questions already loaded, whose choices come in order in one query.
                shown = {question.pk: question for question in questions}
                for item in feedback.items:
                    item.question = shown.get(item.question.pk, item.question)

    if feedback is None and reinforcement.status == Reinforcement.Status.ANSWERED:
        feedback = _feedback_on_record(reinforcement, questions)
    expired = feedback is None and _is_expired(reinforcement)
    if expired and not notice:
        notice = "This refresher has expired. A fresh one comes when the skill is due again."
    if feedback is None and not expired and form is None:
        form = _answer_form(questions)

    context = {
        "reinforcement": reinforcement,
        "questions": questions,
        "feedback": feedback,
        "expired": expired,
        "notice": notice,
        "form": form,
    }
    if request.htmx:
        # htmx swaps only 2xx answers; a refusal is shown in place of the form, so it says 200.
        return render_for_viewer(request, f"{REINFORCEMENT}#body", context)
    return render_for_viewer(request, REINFORCEMENT, context, status=status)


@login_required
@require_GET
def rep_home(request: HttpRequest) -> HttpResponse:
    """A rep's day at a glance: refreshers to answer, the next coaching session, their skills
    and what moves each on, open commitments, coaching so far, training."""
    user = request.user
    pending = list(reinforcements_pending_for(user=user))
    overview = rep_coaching_overview(rep=user)
    learning = learning_for(user=user)
    progress = rep_progress(
        rep=user, open_commitments=overview.open_commitments, pending_refreshers=pending
    )
    context = {
        "pending": pending,
        "overview": overview,
        "progress": progress,
        "stages_explained": stages_in_words(),
        "outcomes": rep_outcomes(rep=user),  # their own figures only
        # History carries private notes; the page shows only what the rep may see of it.
        "recent_sessions": [s for s in overview.history if s.status == "held"][:RECENT_SESSIONS],
        "courses": [row for row in learning.courses if not row.is_complete],
        "completed_courses": sum(1 for row in learning.courses if row.is_complete),
    }
    return render_for_viewer(request, REP_HOME, context)
