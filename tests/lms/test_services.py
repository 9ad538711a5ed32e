import pytest

from lms.models import ModuleCompletion
from lms.services import attempt_start, attempt_submit, lesson_complete
from tests.factories import RepFactory, build_module, correct_answers

pytestmark = pytest.mark.django_db


def test_lessons_then_a_passing_quiz_complete_the_module_once():
    rep = RepFactory()
    module = build_module()
    for lesson in module.lessons.all():
        lesson_complete(user=rep, lesson=lesson)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt))
    assert result.passed and result.score == 100 and result.module_completed
    second = attempt_start(user=rep, quiz=module.quiz)
    assert attempt_submit(attempt=second, answers=correct_answers(second)).module_completed is False
    assert ModuleCompletion.objects.filter(user=rep, module=module).count() == 1
