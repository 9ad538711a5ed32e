"""The dashboard's heat map is drawn in Python (coaching/web/heat_map.py): every name and number
in it is escaped, and the recommended actions list only the most urgent ones."""

from __future__ import annotations

import pytest

from coaching.insights.dashboard import RECOMMENDATIONS_SHOWN
from lms.services import attempt_start, attempt_submit
from tests.coaching.factories import wrong_answers
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db


def failed_quiz(rep, module):
    attempt = attempt_start(user=rep, quiz=module.quiz)
    attempt_submit(attempt=attempt, answers=wrong_answers(attempt, 2))


def dashboard(client, manager) -> str:
    client.force_login(manager)
    response = client.get("/coaching/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def test_names_in_the_heat_map_are_escaped(client):
    manager = ManagerFactory()
    rep = RepFactory(manager=manager, username="eve", first_name='<b>"Eve"</b>', last_name="O'Neil")
    skill = SkillFactory(slug="closing", name="Closing <i>deals</i>")
    failed_quiz(rep, build_module(skill=skill, questions=2))

    html = dashboard(client, manager)

    assert "<b>" not in html and "<i>deals" not in html
    assert "&lt;b&gt;&quot;Eve&quot;&lt;/b&gt; O&#x27;Neil" in html  # the rep's name, a link
    cell = html.split('data-cell="eve:closing"', 1)[1].split("</td>", 1)[0]
    assert 'title="&lt;b&gt;&quot;Eve&quot;&lt;/b&gt; O&#x27;Neil · Closing &lt;i&gt;deals' in cell
    assert f'href="/coaching/team/{rep.pk}/#skill-closing"' in cell


def test_the_dashboard_lists_the_most_urgent_recommendations_and_counts_the_rest(client):
    manager = ManagerFactory()
    skill = SkillFactory(slug="closing")
    module = build_module(skill=skill, questions=2)
    reps = [RepFactory(manager=manager) for _ in range(RECOMMENDATIONS_SHOWN + 3)]
    for rep in reps:
        failed_quiz(rep, module)

    html = dashboard(client, manager)

    listed = html.split('id="recommendations"', 1)[1].split("</ul>", 1)[0]
    assert listed.count('class="recommendation ') == RECOMMENDATIONS_SHOWN
    assert "And 3 more, less urgent: each rep's page lists all of theirs." in html
