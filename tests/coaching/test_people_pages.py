"""A rep's own progress on their home (My skills, commitments, coaching history), and a
manager's people: the team page, the page on one rep, and the dashboard's links to it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from fsrs import Rating

from coaching.models import CoachingSession, Observation, Reinforcement
from coaching.skills.memory import memory_review
from lms.services import attempt_start, attempt_submit, enrolment_assign
from tests.coaching.factories import (
    CommitmentFactory,
    plan_of,
    session_with,
    wrong_answers,
)
from tests.factories import AdminFactory, ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

HOME = reverse("coaching:rep_home")
TEAM = reverse("coaching:team")
DASHBOARD = reverse("coaching:dashboard")


def rep_url(rep) -> str:
    return reverse("coaching:rep", args=[rep.pk])


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


@pytest.fixture
def manager():
    return ManagerFactory(username="maria", first_name="Maria", last_name="Lopez")


def quiz_taken(rep, module, *, wrong=0):
    attempt = attempt_start(user=rep, quiz=module.quiz)
    return attempt_submit(attempt=attempt, answers=wrong_answers(attempt, wrong))


def rated(rep, skill, *ratings, session=None):
    """The coach's ratings, a week apart, the newest a day ago."""
    now = timezone.now()
    for index, rating in enumerate(ratings):
        Observation.objects.create(
            rep=rep,
            observer=rep.manager,
            skill=skill,
            rating=rating,
            session=session,
            observed_at=now - days(1 + 7 * (len(ratings) - 1 - index)),
        )


def coaching_gap(rep, skill):
    """Knows the skill (a perfect quiz) but is rated 2 three times: a coaching gap, learned."""
    module = build_module(skill=skill, questions=2)
    quiz_taken(rep, module)
    rated(rep, skill, 2, 2, 2)
    return module


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<(section|li|table)[^>]* id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return match.group(2)


def skill_block(html: str, slug: str) -> str:
    """One skill's entry in a list of skills, up to the next one."""
    start = html.index(f'id="skill-{slug}"')
    end = html.find('class="skill-progress', start)
    return html[start : end if end != -1 else html.index("</section>", start)]


def roster_names(response) -> list[str]:
    return re.findall(r'<tr data-rep="([^"]+)">', response.content.decode())


# --- My skills ------------------------------------------------------------------------------------


def test_a_rep_sees_each_skills_stage_numbers_and_what_moves_it_on(client, manager, closing):
    john = RepFactory(manager=manager, username="john", first_name="John")
    module = coaching_gap(john, closing)
    html = page(client, john, HOME).content.decode()
    skill = skill_block(html, "closing")
    assert 'class="badge stage-learned">Learned' in skill
    assert 'aria-current="step">Learned' in skill
    assert "100 %" in skill and "of your latest quiz and refresher answers right" in skill
    assert "25 of 100" in skill and "about 2 of 5" in skill
    assert "To reach applied:</strong> Application 25 of the 75 needed." in skill
    # Application holds it back: the step is a commitment, worded to the rep.
    assert "Agree a commitment on Closing with your coach" in skill
    assert module.title not in skill  # knowledge is not what is missing
    assert "Observe Closing" not in skill  # the coach's wording stays on the coach's page


def test_a_rep_who_knows_too_little_is_pointed_at_the_module(client, manager, closing):
    john = RepFactory(manager=manager, username="john")
    module = build_module(skill=closing, questions=5)
    quiz_taken(john, module, wrong=3)
    skill = skill_block(page(client, john, HOME).content.decode(), "closing")
    assert 'class="badge stage-introduced">Introduced' in skill
    assert "To reach learned:</strong> Knowledge 40 of the 80 needed." in skill
    assert f"Take “{module.title}” ({module.course.title}) and pass its quiz." in skill
    assert f'href="{reverse("lms:course", args=[module.course_id])}"' in skill


def test_recall_is_explained_in_words(client, manager, closing):
    john = RepFactory(manager=manager, username="john")
    memory_review(rep=john, skill=closing, rating=Rating.Hard, at=timezone.now() - days(40))
    html = page(client, john, HOME).content.decode()
    skill = skill_block(html, "closing")
    assert "recall forecast below" in skill
    # No module teaches it: refreshers are what build the knowledge.
    assert "Answer the refreshers on Closing: each right answer adds to it." in skill


def test_a_refresher_waiting_on_the_skill_is_a_step_with_its_link(client, manager, closing):
    john = RepFactory(manager=manager, username="john")
    coaching_gap(john, closing)
    waiting = Reinforcement.objects.create(
        rep=john,
        skill=closing,
        question_ids=[],
        due_at=timezone.now() - days(0.1),
        expires_at=timezone.now() + days(1),
    )
    skill = skill_block(page(client, john, HOME).content.decode(), "closing")
    url = reverse("coaching:reinforcement", args=[waiting.pk])
    assert f'<a href="{url}">Answer the refresher on Closing waiting for you now.</a>' in skill


def test_a_rep_sees_open_commitments_with_due_dates_and_their_time_zone(client, manager, closing):
    john = RepFactory(manager=manager, username="john", timezone="America/New_York")
    commitment = CommitmentFactory(
        session=session_with(
            john, status=CoachingSession.Status.HELD, held_at=timezone.now() - days(1)
        ),
        skill=closing,
        text="Ask for the order on three calls",
        due_date=timezone.localdate() + days(3),
    )
    html = page(client, john, HOME).content.decode()
    listed = section(html, "my-commitments")
    assert "Ask for the order on three calls" in listed
    due = commitment.due_date
    assert f"due {due:%a} {due.day} {due:%b %Y}, New York time" in listed
    assert "Mark kept" in listed


def test_coaching_history_shows_ratings_over_time_and_shared_notes_never_private_ones(
    client, manager, closing
):
    john = RepFactory(manager=manager, username="john")
    held = session_with(
        john,
        status=CoachingSession.Status.HELD,
        scheduled_for=timezone.now() - days(2),
        held_at=timezone.now() - days(2),
        shared_notes="Great opener; slow down at the close.",
        private_notes="Thinking of moving John to the enterprise team.",
    )
    rated(john, closing, 2, 3, 4, session=held)
    html = page(client, john, HOME).content.decode()
    history = section(html, "coaching-history")
    assert "1 session held with your coach." in history
    ratings = section(html, "rating-history")
    assert re.findall(r'class="rating rating-\d"[^>]*>(\d)<', ratings) == ["2", "3", "4"]
    assert "Great opener; slow down at the close." in history
    assert "enterprise team" not in html


def test_a_rep_with_no_evidence_is_told_where_skills_come_from(client, manager):
    john = RepFactory(manager=manager)
    html = page(client, john, HOME).content.decode()
    assert "Your skills show here after your first quiz or coaching session." in html


# --- the team page -------------------------------------------------------------------------------


@pytest.fixture
def team(manager, closing):
    """Maria's reps: John (coaching gap on closing), Sheila (fading prospecting), Liam (nothing);
    Omar's rep Nina."""
    john = RepFactory(manager=manager, username="john", first_name="John", last_name="Miller")
    coaching_gap(john, closing)
    sheila = RepFactory(
        manager=manager, username="sheila", first_name="Sheila", email="sheila@acme.test"
    )
    prospecting = SkillFactory(slug="prospecting", name="Prospecting")
    memory_review(rep=sheila, skill=prospecting, rating=Rating.Hard, at=timezone.now() - days(40))
    liam = RepFactory(manager=manager, username="liam", first_name="Liam")
    omar = ManagerFactory(username="omar")
    nina = RepFactory(manager=omar, username="nina", first_name="Nina")
    return {"john": john, "sheila": sheila, "liam": liam, "omar": omar, "nina": nina}


def test_a_manager_sees_their_current_reports_only(client, manager, team):
    response = page(client, manager, TEAM)
    assert response.status_code == 200
    assert roster_names(response) == ["john", "liam", "sheila"]
    html = response.content.decode()
    assert f'href="{rep_url(team["john"])}"' in html
    # Moved to Omar: gone from Maria's page at once.
    team["liam"].manager = team["omar"]
    team["liam"].save()
    assert roster_names(page(client, manager, TEAM)) == ["john", "sheila"]
    assert roster_names(page(client, team["omar"], TEAM)) == ["liam", "nina"]


def test_the_team_page_searches_names_and_emails(client, manager, team):
    assert roster_names(page(client, manager, TEAM, q="miller")) == ["john"]
    assert roster_names(page(client, manager, TEAM, q="acme.test")) == ["sheila"]
    assert roster_names(page(client, manager, TEAM, q="john miller")) == ["john"]
    response = page(client, manager, TEAM, q="nina")
    assert roster_names(response) == []
    assert "Nobody matches." in response.content.decode()


def test_the_team_page_filters_by_risk_and_stage(client, manager, team):
    assert roster_names(page(client, manager, TEAM, risk="high")) == ["sheila"]
    assert roster_names(page(client, manager, TEAM, risk="none")) == ["john", "liam"]
    assert roster_names(page(client, manager, TEAM, stage="learned")) == ["john"]
    assert roster_names(page(client, manager, TEAM, stage="introduced")) == ["sheila"]
    assert roster_names(page(client, manager, TEAM, stage="mastered")) == []
    row = re.search(
        r'<tr data-rep="john">(.*?)</tr>', page(client, manager, TEAM).content.decode(), re.S
    )
    assert "Closing: coaching gap" in row.group(1)


def test_a_long_team_comes_in_pages_that_keep_the_filters(client, manager, team, monkeypatch):
    monkeypatch.setattr("coaching.web.team.ROSTER_PAGE", 2)
    first = page(client, manager, TEAM, q="e")  # everyone: every email has an "e"
    assert roster_names(first) == ["john", "liam"]
    assert 'href="?q=e&amp;page=2">Next</a>' in first.content.decode()
    assert roster_names(page(client, manager, TEAM, q="e", page=2)) == ["sheila"]
    assert roster_names(page(client, manager, TEAM, q="e", page=9)) == ["sheila"]


def test_a_bad_filter_is_a_form_error_not_a_crash(client, manager, team):
    response = page(client, manager, TEAM, risk="catastrophic")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert roster_names(response) == ["john", "liam", "sheila"]


def test_an_admin_sees_every_rep_or_one_managers_team(client, manager, team):
    admin = AdminFactory()
    assert roster_names(page(client, admin, TEAM)) == ["john", "liam", "nina", "sheila"]
    assert roster_names(page(client, admin, TEAM, manager=team["omar"].pk)) == ["nina"]
    html = page(client, admin, TEAM).content.decode()
    assert '<th scope="col">Manager</th>' in html and "Maria Lopez" in html


def test_a_rep_has_no_team_page(client, team):
    assert page(client, team["john"], TEAM).status_code == 404


def test_the_team_page_costs_the_same_queries_for_two_reps_or_six(
    client, closing, django_assert_max_num_queries
):
    def count(manager) -> int:
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TEAM).status_code == 200
        return len(queries)

    small, large = ManagerFactory(), ManagerFactory()
    for manager, size in ((small, 2), (large, 6)):
        for n in range(size):
            rep = RepFactory(manager=manager)
            coaching_gap(rep, closing)
            session_with(rep, scheduled_for=timezone.now() + days(n + 1))
            CommitmentFactory(session__plan=plan_of(rep), rep=rep)
        count(manager)  # the first visit fills the team cache
    assert count(small) == count(large)
    client.force_login(large)
    with django_assert_max_num_queries(12):
        client.get(TEAM)


# --- the rep page --------------------------------------------------------------------------------


def test_the_rep_page_puts_plan_sessions_commitments_training_skills_and_retention_together(
    client, manager, closing
):
    john = RepFactory(manager=manager, username="john", first_name="John")
    module = coaching_gap(john, closing)
    plan = plan_of(john)
    plan.focus_skills.add(closing)
    ahead = session_with(john, scheduled_for=timezone.now() + days(2))
    past = session_with(
        john,
        status=CoachingSession.Status.HELD,
        scheduled_for=timezone.now() - days(3),
        held_at=timezone.now() - days(3),
        shared_notes="Good discovery questions.",
    )
    CommitmentFactory(session=past, skill=closing, text="Ask for the order twice")
    enrolment_assign(actor=manager, user=john, course=module.course)
    memory_review(rep=john, skill=closing, rating=Rating.Good, at=timezone.now() - days(10))

    response = page(client, manager, rep_url(john))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="badge">Closing</span>' in section(html, "plan")
    assert reverse("coaching:session", args=[ahead.pk]) in section(html, "sessions-ahead")
    assert "Good discovery questions." in section(html, "sessions-past")
    commitments = section(html, "commitments")
    assert "Ask for the order twice" in commitments and "review-form" in commitments
    assert module.course.title in section(html, "training")
    retention = section(html, "rep-retention")
    assert "Closing" in retention and "%" in retention
    # What the dashboard's cell used to hold: the diagnosis, the numbers, the action.
    skill = skill_block(html, "closing")
    assert 'data-cell="john:closing"' in html
    assert "Coaching gap" in skill and "25 of 100" in skill and "100 %" in skill
    assert "Keep Closing as a focus: observe it at John&#x27;s next session" in skill
    assert f'action="{reverse("coaching:dashboard_act", args=[john.pk, closing.pk])}"' in skill
    assert f'name="next" value="{rep_url(john)}"' in skill
    # Worded to the coach, with the open commitment that would move it on.
    assert "Check in on John&#x27;s commitment “Ask for the order twice”" in skill
    assert re.search(r"due \w{3} \d+ \w{3} \d{4}, London time", skill)


def test_the_rep_page_never_shows_private_notes_under_sessions(client, manager):
    john = RepFactory(manager=manager)
    session_with(
        john,
        status=CoachingSession.Status.HELD,
        scheduled_for=timezone.now() - days(1),
        held_at=timezone.now() - days(1),
        private_notes="Only on the session page.",
    )
    assert "Only on the session page." not in page(client, manager, rep_url(john)).content.decode()


def test_a_recommended_action_from_the_rep_page_comes_back_to_it(client, manager, closing):
    john = RepFactory(manager=manager)
    coaching_gap(john, closing)
    client.force_login(manager)
    response = client.post(
        reverse("coaching:dashboard_act", args=[john.pk, closing.pk]),
        {"kind": "coaching_focus", "next": rep_url(john)},
    )
    assert response.status_code == 302 and response.headers["Location"] == rep_url(john)
    assert closing in plan_of(john).focus_skills.all()


def test_the_rep_page_is_a_404_for_anyone_but_the_current_manager_and_admins(client, manager, team):
    john, nina, omar = team["john"], team["nina"], team["omar"]
    assert page(client, manager, rep_url(nina)).status_code == 404
    assert page(client, omar, rep_url(john)).status_code == 404
    assert page(client, john, rep_url(john)).status_code == 404
    assert page(client, AdminFactory(), rep_url(john)).status_code == 200
    assert page(client, manager, reverse("coaching:rep", args=[omar.pk])).status_code == 404
    # The reporting line moves: the former manager loses the page at once.
    john.manager = omar
    john.save()
    assert page(client, manager, rep_url(john)).status_code == 404
    assert page(client, omar, rep_url(john)).status_code == 200


def test_the_rep_page_costs_the_same_queries_however_much_the_rep_has(
    client, manager, django_assert_max_num_queries, session_read
):
    def count(rep) -> int:
        client.force_login(manager)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(rep_url(rep)).status_code == 200
        return len(queries)

    little, lots = RepFactory(manager=manager), RepFactory(manager=manager)
    for rep, size in ((little, 1), (lots, 5)):
        for n in range(size):
            skill = SkillFactory()
            module = coaching_gap(rep, skill)
            enrolment_assign(actor=manager, user=rep, course=module.course)
            session_with(rep, scheduled_for=timezone.now() + days(n + 1))
            held = session_with(
                rep,
                status=CoachingSession.Status.HELD,
                scheduled_for=timezone.now() - days(n + 1),
                held_at=timezone.now() - days(n + 1),
            )
            CommitmentFactory(session=held, rep=rep, skill=skill)
    assert count(little) == count(lots)
    client.force_login(manager)
    with django_assert_max_num_queries(33 + session_read):  # 32, and the peer practice they lead
        client.get(rep_url(lots))


# --- the dashboard links -------------------------------------------------------------------------


def test_the_dashboard_links_rep_names_cells_and_decay_rows_to_the_rep_page(client, manager, team):
    html = page(client, manager, DASHBOARD).content.decode()
    john, sheila = team["john"], team["sheila"]
    heat_map = re.search(r'<table class="table heat" id="heat-map">(.*?)</table>', html, re.S)
    assert f'<a href="{rep_url(john)}">John Miller</a>' in heat_map.group(1)
    cell = re.search(r'data-cell="john:closing"><a href="([^"]+)" title="([^"]+)"', html)
    assert cell.group(1) == f"{rep_url(john)}#skill-closing"
    assert cell.group(2).startswith("John Miller · Closing: Coaching gap · learned")
    # A cell is one small link: no details or forms inside it any more.
    assert "<details>" not in heat_map.group(1) and "<form" not in heat_map.group(1)
    decay = re.search(r'<table class="table" id="decay-risk">(.*?)</table>', html, re.S)
    assert f'href="{rep_url(sheila)}#skill-prospecting"' in decay.group(1)
    assert f'href="{TEAM}"' in html
