"""The weekly coaching budget (DESIGN §13): the accounting, the one ranking rule, what the
budget defers and pulling it back into the week."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from coaching.models import CoachingSession, DeferredCoaching
from coaching.sessions import budget as budget_service
from coaching.sessions.budget import (
    Demand,
    budget_allocate,
    budget_week,
    demand_rank,
    week_start_of,
)
from coaching.sessions.decay import decay_coaching_run
from coaching.sessions.deferred import deferred_dismiss, deferred_pull
from coaching.sessions.follow_up import follow_up_book
from coaching.sessions.services import session_cancel, session_reschedule
from coaching.skills.rules import Stage
from config.errors import DomainError
from lms.models import ModuleCompletion
from tests.coaching.factories import (
    LONDON,
    NEW_YORK,
    UTC,
    at,
    complete_module,
    freeze,
    session_with,
)
from tests.factories import ManagerFactory, RepFactory, build_module

pytestmark = pytest.mark.django_db

TUESDAY_10 = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)  # London on GMT: 10:00 local too
MONDAY = dt.date(2026, 3, 9)
FOLLOW_UP = DeferredCoaching.Kind.FOLLOW_UP
DECAY = DeferredCoaching.Kind.DECAY


@pytest.fixture
def manager():
    return ManagerFactory(username="maria", timezone="Europe/London")


@pytest.fixture
def rep(manager):
    return RepFactory(username="john", manager=manager, timezone="Europe/London")


@pytest.fixture
def module():
    return build_module(questions=3)


@pytest.fixture
def clock(monkeypatch):
    return freeze(monkeypatch, TUESDAY_10)


def fill_week(manager, *, days, hours=(9, 10, 11, 13)) -> list[CoachingSession]:
    """Sessions led by ``manager`` with other reps of theirs: 30 minutes each."""
    return [
        session_with(RepFactory(manager=manager), scheduled_for=at(LONDON, 2026, 3, day, hour))
        for day in days
        for hour in hours
    ]


# --- the ranking, table-driven -------------------------------------------------------------------

NOW = dt.datetime(2026, 3, 10, 10, tzinfo=UTC)


def demand(name, kind=DECAY, **fields):
    values = {
        "kind": kind,
        "rep_id": abs(hash(name)) % 10_000,
        "rep_name": name,
        "skill_id": 1,
        "skill_name": "Closing",
        "minutes": 30,
        "due": NOW,
    }
    values.update(fields)
    return Demand(**values)


RANKING_CASES = [
    pytest.param(
        [
            demand("fading", recall=0.2, stage=Stage.LEARNED),
            demand("follow-up", kind=FOLLOW_UP, due=NOW + dt.timedelta(hours=40)),
        ],
        ["follow-up", "fading"],
        id="a follow-up inside its window before any fading skill",
    ),
    pytest.param(
        [
            demand("later", kind=FOLLOW_UP, due=NOW + dt.timedelta(hours=40)),
            demand("sooner", kind=FOLLOW_UP, due=NOW + dt.timedelta(hours=10)),
        ],
        ["sooner", "later"],
        id="follow-ups: the soonest due first",
    ),
    pytest.param(
        [
            demand("mastered", recall=0.1, stage=Stage.MASTERED),
            demand("introduced", recall=0.1, stage=Stage.INTRODUCED),
            demand("applied", recall=0.5, stage=Stage.APPLIED),
            demand("learned", recall=0.6, stage=Stage.LEARNED),
        ],
        ["learned", "applied", "introduced", "mastered"],
        id="fading skills: the middle of the team first, whatever the risk",
    ),
    pytest.param(
        [
            demand("low risk", recall=0.6, stage=Stage.LEARNED),
            demand("high risk", recall=0.3, stage=Stage.LEARNED),
        ],
        ["high risk", "low risk"],
        id="within a stage: the higher risk first",
    ),
    pytest.param(
        [
            demand("far", recall=0.5, stage=Stage.LEARNED, application=30),
            demand("close", recall=0.5, stage=Stage.LEARNED, application=70),
        ],
        ["close", "far"],
        id="same stage and risk: closer to applied first",
    ),
    pytest.param(
        [
            demand("late follow-up", kind=FOLLOW_UP, in_window=False),
            demand("fading", recall=0.6, stage=Stage.MASTERED),
        ],
        ["fading", "late follow-up"],
        id="a follow-up past its window comes after fading skills",
    ),
    pytest.param(
        [demand("no evidence", recall=0.1), demand("learned", recall=0.9, stage=Stage.LEARNED)],
        ["learned", "no evidence"],
        id="a skill with no standing comes last among fading skills",
    ),
]


@pytest.mark.parametrize(("items", "expected"), RANKING_CASES)
def test_the_ranking_rule(items, expected):
    assert [item.rep_name for item in demand_rank(items)] == expected


ALLOCATION_CASES = [
    pytest.param(60, [MONDAY], ["follow-up", "learned"], ["mastered"], id="room for two of three"),
    pytest.param(0, [MONDAY], [], ["follow-up", "learned", "mastered"], id="a full week"),
    pytest.param(240, [MONDAY], ["follow-up", "learned", "mastered"], [], id="room for all"),
    pytest.param(30, [], [], ["follow-up", "learned", "mastered"], id="no week in reach"),
]


@pytest.mark.parametrize(("minutes", "weeks", "booked", "deferred"), ALLOCATION_CASES)
def test_every_demand_item_is_booked_or_deferred_with_a_reason(minutes, weeks, booked, deferred):
    items = [
        demand("mastered", recall=0.1, stage=Stage.MASTERED),
        demand("follow-up", kind=FOLLOW_UP, due=NOW + dt.timedelta(hours=40)),
        demand("learned", recall=0.6, stage=Stage.LEARNED),
    ]
    decisions = budget_allocate(
        items=items,
        room={MONDAY: minutes},
        weeks_of={item.key: weeks for item in items},
        budget_minutes=120,
    )
    # Nothing is dropped silently: every item comes back, in rank order, with its words.
    assert sorted(d.item.rep_name for d in decisions) == sorted(i.rep_name for i in items)
    assert [d.item.rep_name for d in decisions if d.booked] == booked
    assert [d.item.rep_name for d in decisions if not d.booked] == deferred
    for decision in decisions:
        assert decision.reason and len(decision.reason) <= 300
        if not decision.booked and decision.item.kind == DECAY:
            assert f"Ranked {decision.rank} of 3" in decision.reason


def test_a_second_week_in_reach_takes_what_the_first_cannot():
    items = [
        demand("a", recall=0.2, stage=Stage.LEARNED),
        demand("b", recall=0.3, stage=Stage.LEARNED),
    ]
    second = MONDAY + dt.timedelta(days=7)
    decisions = budget_allocate(
        items=items,
        room={MONDAY: 30, second: 30},
        weeks_of={item.key: [MONDAY, second] for item in items},
        budget_minutes=120,
    )
    assert [(d.item.rep_name, d.week_start) for d in decisions] == [("a", MONDAY), ("b", second)]


# --- the accounting ------------------------------------------------------------------------------


def test_a_week_counts_its_sessions_except_cancelled_and_peer_ones(manager, rep, clock):
    held = session_with(rep, scheduled_for=at(LONDON, 2026, 3, 9, 9), duration_minutes=45)
    held.status = CoachingSession.Status.HELD
    held.save()
    session_with(rep, scheduled_for=at(LONDON, 2026, 3, 11, 9))  # scheduled: 30
    cancelled = session_with(rep, scheduled_for=at(LONDON, 2026, 3, 12, 9))
    session_cancel(actor=manager, session=cancelled, reason="Off sick")
    session_with(rep, scheduled_for=at(LONDON, 2026, 3, 12, 11), source=CoachingSession.Source.PEER)
    session_with(rep, scheduled_for=at(LONDON, 2026, 3, 16, 9))  # next week
    session_with(RepFactory(), scheduled_for=at(LONDON, 2026, 3, 10, 15))  # another coach
    week = budget_week(manager=manager, week_start=MONDAY)
    assert (week.used_minutes, week.budget_minutes) == (75, 120)
    assert week.used_label == "1.25\xa0h" and week.budget_label == "2\xa0h" and not week.over
    assert (week.percent, week.bar_width) == (62, 60)


def test_the_manager_s_own_budget_replaces_the_default(manager, settings):
    settings.COACHING_BUDGET_HOURS = 3.0
    assert budget_week(manager=manager, week_start=MONDAY).budget_minutes == 180
    manager.coaching_budget_hours = Decimal("1.5")
    manager.save()
    assert budget_week(manager=manager, week_start=MONDAY).budget_minutes == 90


def test_a_moved_session_counts_in_its_new_week_and_a_cancelled_one_frees_its_time(
    manager, rep, clock
):
    session = session_with(rep, scheduled_for=at(LONDON, 2026, 3, 11, 9))
    next_monday = MONDAY + dt.timedelta(days=7)
    assert budget_week(manager=manager, week_start=MONDAY).used_minutes == 30
    session_reschedule(actor=manager, session=session, scheduled_for=at(LONDON, 2026, 3, 17, 10))
    assert budget_week(manager=manager, week_start=MONDAY).used_minutes == 0
    assert budget_week(manager=manager, week_start=next_monday).used_minutes == 30
    session.refresh_from_db()
    session_cancel(actor=manager, session=session, reason="Moved on")
    assert budget_week(manager=manager, week_start=next_monday).used_minutes == 0


def test_the_week_is_the_manager_s_own_monday_to_sunday(clock):
    manager = ManagerFactory(timezone="America/New_York")
    rep = RepFactory(manager=manager)
    # Sunday 23:30 in New York is Monday 04:30 UTC: still the New York week that began the 9th.
    late_sunday = at(NEW_YORK, 2026, 3, 15, 23, 30)
    session_with(rep, scheduled_for=late_sunday)
    assert week_start_of(late_sunday, manager.tzinfo) == MONDAY
    assert budget_week(manager=manager, week_start=MONDAY).used_minutes == 30
    assert budget_week(manager=manager, week_start=MONDAY + dt.timedelta(days=7)).used_minutes == 0


def test_one_query_answers_a_week(manager, django_assert_num_queries):
    with django_assert_num_queries(1):
        budget_week(manager=manager, week_start=MONDAY)


# --- follow-ups over the budget ----------------------------------------------------------------


def test_a_follow_up_over_budget_in_every_week_of_its_window_is_deferred(
    clock, manager, rep, module
):
    fill_week(manager, days=(9,))  # Monday: 2 h, the whole default budget
    result = complete_module(rep, module)

    assert not CoachingSession.objects.filter(rep=rep).exists()
    item = DeferredCoaching.objects.get()
    assert (item.coach, item.rep, item.kind) == (manager, rep, FOLLOW_UP)
    assert item.completion == ModuleCompletion.objects.get(user=rep, module=module)
    assert item.module == module and item.skill.slug == "closing"
    assert item.week_start == MONDAY and item.status == DeferredCoaching.Status.WAITING
    assert item.alternative == DeferredCoaching.Alternative.REFRESHER
    assert "Follow-ups after training come first" in item.reason
    assert "Instead: refresher questions on Closing." in item.reason
    # The rep is told of no session; a second call finds the same item.
    assert "follow_up_session" not in (result.follow_up or {})
    assert follow_up_book(completion=item.completion) == item
    assert DeferredCoaching.objects.count() == 1


def test_the_alternative_is_peer_practice_when_a_teammate_could_mentor(
    clock, manager, rep, module, monkeypatch
):
    sheila = RepFactory(username="sheila", first_name="Sheila", last_name="Obi", manager=manager)
    monkeypatch.setattr(budget_service, "mentor_proposed", lambda *, rep_id, skill_id: sheila)
    fill_week(manager, days=(9,))
    complete_module(rep, module)
    item = DeferredCoaching.objects.get()
    assert item.alternative == DeferredCoaching.Alternative.PEER
    assert item.reason.endswith("Instead: peer practice with Sheila Obi.")


def test_a_follow_up_takes_the_next_week_its_window_reaches(monkeypatch, manager, rep, module):
    freeze(monkeypatch, at(LONDON, 2026, 3, 14, 10))  # Saturday: the window reaches Monday
    fill_week(manager, days=(9,))
    complete_module(rep, module)
    session = CoachingSession.objects.get(rep=rep)
    assert session.scheduled_for == at(LONDON, 2026, 3, 16, 9)
    assert not session.late and not DeferredCoaching.objects.exists()


def test_a_follow_up_that_fits_books_as_before(clock, manager, rep, module):
    fill_week(manager, days=(9,), hours=(9, 10, 11))  # 1.5 h: room for one more
    complete_module(rep, module)
    assert CoachingSession.objects.get(rep=rep).scheduled_for == at(LONDON, 2026, 3, 10, 12)
    assert budget_week(manager=manager, week_start=MONDAY).used_minutes == 120


def test_manual_bookings_count_but_are_never_refused(clock, manager, rep):
    from coaching.sessions.services import session_book_manual

    fill_week(manager, days=(9,))
    session = session_book_manual(coach=manager, rep=rep, scheduled_for=at(LONDON, 2026, 3, 11, 9))
    assert session.pk
    assert budget_week(manager=manager, week_start=MONDAY).over


# --- fading skills over the budget ---------------------------------------------------------------


def test_a_decay_run_books_in_rank_order_and_defers_the_rest(clock, manager, monkeypatch, settings):
    from coaching.sessions import decay as decay_service
    from coaching.skills.decay import DecayTrigger
    from tests.factories import SkillFactory

    closing = SkillFactory(slug="closing", name="Closing")
    reps = [RepFactory(manager=manager, username=f"rep{i}") for i in range(3)]
    triggers = [
        DecayTrigger(rep=rep, skill=closing, recall=recall, missed=0, reason="Fading.")
        for rep, recall in zip(reps, (0.2, 0.5, 0.6), strict=True)
    ]
    monkeypatch.setattr(decay_service, "decay_triggers", lambda *, now: triggers)
    fill_week(manager, days=(9,), hours=(9, 10, 11))  # room for one this week
    fill_week(manager, days=(16,))  # next week full

    sessions, deferred = decay_coaching_run(now=TUESDAY_10)
    # No standing: ranked by risk alone. The riskiest gets the one free half hour.
    assert [s.rep for s in sessions] == [reps[0]]
    assert [d.rep for d in deferred] == [reps[1], reps[2]]
    assert "Ranked 2 of 3" in deferred[0].reason and "Ranked 3 of 3" in deferred[1].reason
    # Every trigger ends as a session or a deferred item; a second run adds nothing.
    assert decay_coaching_run(now=TUESDAY_10) == ([], [])
    assert DeferredCoaching.objects.count() == 2
    # Met another way: not listed again within the cooldown, listed again after it.
    deferred_dismiss(actor=manager, item_id=deferred[0].pk)
    assert decay_coaching_run(now=TUESDAY_10 + dt.timedelta(days=1)) == ([], [])
    later = TUESDAY_10 + dt.timedelta(days=settings.DECAY_COACHING_COOLDOWN_DAYS, hours=1)
    freeze(monkeypatch, later)
    booked, again = decay_coaching_run(now=later)
    # A fresh week with room: booked this time. The one still waiting is not ranked again.
    assert [s.rep for s in booked] == [reps[1]] and again == []


# --- pulling into the week -----------------------------------------------------------------------


@pytest.fixture
def deferred(clock, manager, rep, module):
    fill_week(manager, days=(9,))
    complete_module(rep, module)
    return DeferredCoaching.objects.get()


def test_pulling_books_the_follow_up_over_the_budget(deferred, manager, rep):
    item = deferred_pull(actor=manager, item_id=deferred.pk)
    assert item.status == DeferredCoaching.Status.PULLED and item.resolved_at
    session = item.session
    assert session.completion == deferred.completion and session.rep == rep
    assert session.source == CoachingSession.Source.AFTER_TRAINING
    assert session.scheduled_for == at(LONDON, 2026, 3, 10, 12)
    # A pulled item counts.
    assert budget_week(manager=manager, week_start=MONDAY).used_minutes == 150
    over = budget_week(manager=manager, week_start=MONDAY)
    assert over.over and (over.percent, over.bar_width) == (125, 100)
    with pytest.raises(DomainError, match="already pulled"):
        deferred_pull(actor=manager, item_id=deferred.pk)


def test_dismissing_sets_an_item_aside(deferred, manager):
    item = deferred_dismiss(actor=manager, item_id=deferred.pk)
    assert item.status == DeferredCoaching.Status.RESOLVED and item.session is None


def test_pull_over_http(deferred, manager, client):
    client.force_login(manager)
    response = client.post(f"/coaching/budget/{deferred.pk}/pull/")
    assert response.status_code == 302 and response["Location"].endswith(
        "/coaching/dashboard/#budget"
    )
    deferred.refresh_from_db()
    assert deferred.status == DeferredCoaching.Status.PULLED
    page = client.get("/coaching/dashboard/").content.decode()
    assert f"/coaching/sessions/{deferred.session_id}/" in page


def test_pull_over_htmx_redraws_the_section_with_the_session_and_the_hours(
    deferred, manager, client
):
    client.force_login(manager)
    response = client.post(f"/coaching/budget/{deferred.pk}/pull/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "Pulled into the week" in body
    deferred.refresh_from_db()
    assert f"/coaching/sessions/{deferred.session_id}/" in body
    assert "2.5\xa0h</strong> of 2\xa0h" in body and "Over budget" in body
    again = client.post(f"/coaching/budget/{deferred.pk}/pull/", headers={"HX-Request": "true"})
    assert "already pulled" in again.content.decode()


@pytest.mark.parametrize("action", ["pull", "dismiss"])
def test_another_manager_s_item_is_a_404(deferred, client, action):
    for someone in (ManagerFactory(), RepFactory(manager=deferred.coach)):
        client.force_login(someone)
        assert client.post(f"/coaching/budget/{deferred.pk}/{action}/").status_code == 404
    deferred.refresh_from_db()
    assert deferred.status == DeferredCoaching.Status.WAITING


def test_pull_needs_the_csrf_token(deferred, manager):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(f"/coaching/budget/{deferred.pk}/pull/").status_code == 403
    page = strict.get("/coaching/dashboard/")
    token = page.cookies["csrftoken"].value
    response = strict.post(f"/coaching/budget/{deferred.pk}/pull/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_pull_and_dismiss_are_post_only(deferred, manager, client):
    client.force_login(manager)
    assert client.get(f"/coaching/budget/{deferred.pk}/pull/").status_code == 405


# --- the dashboard -------------------------------------------------------------------------------


def test_the_dashboard_shows_the_week_against_the_budget_and_what_did_not_fit(
    deferred, manager, client
):
    client.force_login(manager)
    body = client.get("/coaching/dashboard/").content.decode()
    assert "Your week against your budget" in body
    # Monday's four sessions fill the budget; the follow-up was not booked.
    assert "2\xa0h</strong> of 2\xa0h" in body and "100 %" in body
    assert f'id="deferred-{deferred.pk}"' in body
    assert "Refresher questions" in body and "Pull into the week" in body


def test_the_cached_dashboard_shows_each_change_to_the_budget_at_once(
    deferred, manager, rep, client, settings
):
    # The dashboard's entry holds the budget and the deferred items; a bucket long enough
    # that only the writes' version bumps can make it show a change.
    settings.TEAM_CACHE_SECONDS = 24 * 3600
    client.force_login(manager)

    def page() -> str:
        return client.get("/coaching/dashboard/").content.decode()

    def used() -> list[str]:
        return re.findall(r"data-budget-used>([^<]*)<", page())

    assert f'id="deferred-{deferred.pk}"' in page()
    deferred_dismiss(actor=manager, item_id=deferred.pk)
    assert f'id="deferred-{deferred.pk}"' not in page()
    manager.coaching_budget_hours = Decimal("6")
    manager.save(update_fields=["coaching_budget_hours"])
    assert "6\xa0h of coaching a week" in page()
    before = used()
    session = CoachingSession.objects.filter(coach=manager).scheduled().first()
    session_cancel(actor=manager, session=session, reason="Clash with the quarterly review.")
    assert used() != before


def test_the_dashboard_s_queries_do_not_grow_with_deferred_items(
    clock, manager, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    fill_week(manager, days=(9,))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/coaching/dashboard/").status_code == 200
        return len(queries)

    client.get("/coaching/dashboard/")  # warm the team cache
    few = count()
    for _ in range(4):
        complete_module(RepFactory(manager=manager), build_module(questions=1))
    client.get("/coaching/dashboard/")
    assert DeferredCoaching.objects.count() == 4
    assert count() == few
    with django_assert_max_num_queries(30):
        client.get("/coaching/dashboard/")


# --- the budget on the availability settings -----------------------------------------------------

API = "/api/v1/me/availability/"


def test_the_api_reads_and_sets_a_manager_s_budget(manager, client, settings):
    settings.COACHING_BUDGET_HOURS = 2.0
    client.force_login(manager)
    data = client.get(API).json()
    assert data["coaching_budget_hours"] is None
    assert data["coaching_budget_effective_hours"] == 2.0
    response = client.patch(API, {"coaching_budget_hours": "3.5"}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["coaching_budget_hours"] == 3.5
    manager.refresh_from_db()
    assert manager.coaching_budget_hours == Decimal("3.5")
    response = client.patch(API, {"coaching_budget_hours": None}, content_type="application/json")
    assert response.json()["coaching_budget_hours"] is None
    manager.refresh_from_db()
    assert manager.coaching_budget_hours is None


@pytest.mark.parametrize("hours", ["0.4", "40.5", "0", "-1"])
def test_the_api_refuses_a_budget_outside_half_an_hour_to_forty(manager, client, hours):
    client.force_login(manager)
    response = client.patch(API, {"coaching_budget_hours": hours}, content_type="application/json")
    assert response.status_code == 400
    assert "0.5 to 40 hours" in str(response.json())
    manager.refresh_from_db()
    assert manager.coaching_budget_hours is None


def test_a_rep_sending_a_budget_gets_a_400_and_changes_nothing(rep, client):
    client.force_login(rep)
    assert client.get(API).json()["coaching_budget_hours"] is None
    response = client.patch(
        API,
        {"coaching_budget_hours": "3", "day_start": "08:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Only managers" in str(response.json())
    rep.refresh_from_db()
    assert rep.coaching_budget_hours is None and rep.day_start is None


def test_the_profile_sets_a_manager_s_budget(manager, client):
    client.force_login(manager)
    page = client.get("/accounts/profile/").content.decode()
    assert "Weekly coaching budget" in page
    response = client.post(
        "/accounts/profile/",
        {"section": "coaching_budget", "coaching_budget-coaching_budget_hours": "4.5"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#availability")
    manager.refresh_from_db()
    assert manager.coaching_budget_hours == Decimal("4.5")
    response = client.post(
        "/accounts/profile/",
        {"section": "coaching_budget", "coaching_budget-coaching_budget_hours": "41"},
    )
    assert response.status_code == 200
    assert "0.5 to 40 hours" in response.content.decode()
    client.post("/accounts/profile/", {"section": "coaching_budget"})
    manager.refresh_from_db()
    assert manager.coaching_budget_hours is None


def test_a_rep_s_profile_has_no_budget(rep, client):
    client.force_login(rep)
    assert "Weekly coaching budget" not in client.get("/accounts/profile/").content.decode()
    client.post(
        "/accounts/profile/",
        {"section": "coaching_budget", "coaching_budget-coaching_budget_hours": "4"},
    )
    rep.refresh_from_db()
    assert rep.coaching_budget_hours is None


# --- the demo ------------------------------------------------------------------------------------


def test_a_fresh_demo_shows_marias_week_over_budget_and_what_did_not_fit(client, settings):
    import io

    from django.core.management import call_command

    from accounts.models import User

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    maria = User.objects.get(username="maria")
    items = list(DeferredCoaching.objects.filter(coach=maria).select_related("rep"))
    assert {item.rep.username for item in items} == {"liam", "priya"}
    assert all(item.kind == FOLLOW_UP and item.status == "waiting" for item in items)
    # Nothing silently dropped: each completion of the day has a session or a deferred item.
    for completion in ModuleCompletion.objects.filter(user__manager=maria):
        assert CoachingSession.objects.filter(completion=completion).exists() or any(
            item.completion_id == completion.pk for item in items
        )
    client.force_login(maria)
    body = client.get("/coaching/dashboard/").content.decode()
    assert "Over budget" in body
    from coaching.sessions.deferred import budget_overview

    # This week, or on a Friday evening (no working hours left in it) the next one.
    assert any(week.percent > 100 for week in budget_overview(manager=maria).weeks)
    assert "Instead: " in body and "Pull into the week" in body
    # Seeding again adds nothing.
    call_command("seed_demo", stdout=io.StringIO())
    assert DeferredCoaching.objects.filter(coach=maria).count() == 2


def test_an_admin_sees_a_manager_s_week_but_cannot_act_on_it(deferred, manager, client):
    from tests.factories import AdminFactory

    client.force_login(AdminFactory())
    body = client.get(f"/coaching/dashboard/?manager={manager.pk}").content.decode()
    assert "The week against the coaching budget" in body
    assert f'id="deferred-{deferred.pk}"' in body and "Pull into the week" not in body
    assert client.post(f"/coaching/budget/{deferred.pk}/pull/").status_code == 404


def test_booking_by_hand_over_the_budget_goes_ahead_and_says_so(clock, manager, rep, client):
    fill_week(manager, days=(9,))  # the week of 9 March is full
    client.force_login(manager)
    response = client.post(
        "/coaching/week/",
        {"rep": rep.pk, "scheduled_for": "2026-03-11T10:00"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert f"Booked a session with {rep}" in body
    assert (
        "This takes you over your coaching budget for the week of 9 Mar: 2.5\xa0h of 2\xa0h."
        in body
    )
    response = client.post("/coaching/week/", {"rep": rep.pk, "scheduled_for": "2026-03-18T10:00"})
    assert response.status_code == 302  # next week has room: no word of the budget
    assert "budget" not in " ".join(str(m) for m in response.wsgi_request._messages)


# --- the reporting line moves ----------------------------------------------------------------


def test_a_rep_moving_to_another_manager_takes_what_was_deferred_with_them(deferred, rep, client):
    from accounts.services import user_set_manager
    from tests.factories import AdminFactory

    omar = ManagerFactory(username="omar")
    maria = deferred.coach
    user_set_manager(user=rep, manager=omar, actor=AdminFactory())
    deferred.refresh_from_db()
    assert deferred.coach == omar and deferred.status == DeferredCoaching.Status.WAITING
    client.force_login(maria)
    assert client.post(f"/coaching/budget/{deferred.pk}/pull/").status_code == 404
    user_set_manager(user=rep, manager=None, actor=AdminFactory())
    deferred.refresh_from_db()
    assert deferred.status == DeferredCoaching.Status.EXPIRED


def test_a_rep_who_leaves_is_no_longer_waiting_for_time(deferred, rep):
    from accounts.offboarding import user_deactivate
    from tests.factories import AdminFactory

    user_deactivate(user=rep, actor=AdminFactory())
    deferred.refresh_from_db()
    assert deferred.status == DeferredCoaching.Status.EXPIRED


def test_a_decay_run_gives_the_time_to_the_middle_of_the_team(clock, manager, monkeypatch):
    from types import SimpleNamespace

    from coaching.sessions import decay as decay_service
    from coaching.skills.decay import DecayTrigger
    from tests.factories import SkillFactory

    closing = SkillFactory(slug="closing", name="Closing")
    strong = RepFactory(manager=manager, username="strong")
    middle = RepFactory(manager=manager, username="middle")
    triggers = [
        DecayTrigger(rep=strong, skill=closing, recall=0.2, missed=0, reason="Fading."),
        DecayTrigger(rep=middle, skill=closing, recall=0.6, missed=0, reason="Fading."),
    ]
    standings = {
        (strong.pk, closing.pk): SimpleNamespace(
            stage=Stage.MASTERED, summary=SimpleNamespace(score=90)
        ),
        (middle.pk, closing.pk): SimpleNamespace(
            stage=Stage.LEARNED, summary=SimpleNamespace(score=60)
        ),
    }
    monkeypatch.setattr(decay_service, "decay_triggers", lambda *, now: triggers)
    monkeypatch.setattr(decay_service, "skill_standings", lambda **kwargs: standings)
    fill_week(manager, days=(9,), hours=(9, 10, 11))  # room for one this week
    fill_week(manager, days=(16,))  # next week full

    sessions, deferred = decay_coaching_run(now=TUESDAY_10)
    # The riskier rep is at mastered: the one at learned, one step from applied, goes first.
    assert [s.rep for s in sessions] == [middle]
    [item] = deferred
    assert item.rep == strong and "Ranked 2 of 2" in item.reason
    assert "Closing: mastered, recall 20 %" in item.reason
