"""Taking the alternative a deferred item offers instead of the manager's time (DESIGN §13):
peer practice booked with the mentor the pairing rule names, or refresher questions sent now.
Through HTTP, as the manager's dashboard does it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import (
    CoachingSession,
    DeferredCoaching,
    MentorPairing,
    Reinforcement,
    Reminder,
)
from coaching.sessions import mentoring
from coaching.sessions.slots import NoSlotFound
from tests.coaching.test_mentoring import stands
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

PEER = DeferredCoaching.Alternative.PEER
REFRESHER = DeferredCoaching.Alternative.REFRESHER
WAITING = DeferredCoaching.Status.WAITING
RESOLVED = DeferredCoaching.Status.RESOLVED
DASHBOARD = "/coaching/dashboard/"


@pytest.fixture
def closing():
    return SkillFactory(slug="closing", name="Closing")


@pytest.fixture
def module(closing):
    return build_module(skill=closing, questions=4)


@pytest.fixture
def team(module, closing):
    maria = ManagerFactory(username="maria")
    john = RepFactory(username="john", first_name="John", last_name="Ode", manager=maria)
    sheila = RepFactory(username="sheila", first_name="Sheila", last_name="Obi", manager=maria)
    stands(john, module, closing, 2, 2, 2)  # learned, coaching gap
    stands(sheila, module, closing, 4, 4, 4)  # applied: may mentor
    return maria, john, sheila


def item_for(coach, rep, skill, alternative, **fields) -> DeferredCoaching:
    return DeferredCoaching.objects.create(
        coach=coach,
        rep=rep,
        kind=fields.pop("kind", DeferredCoaching.Kind.DECAY),
        skill=skill,
        week_start=timezone.localdate(),
        reason="The week was full.",
        alternative=alternative,
        **fields,
    )


def url(item) -> str:
    return f"/coaching/budget/{item.pk}/instead/"


def take(client, item, **kwargs):
    return client.post(url(item), **kwargs)


def message_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


# --- peer practice ------------------------------------------------------------------------------


def test_the_dashboard_offers_peer_practice_with_the_mentor_by_name(team, closing, client):
    maria, john, _sheila = team
    item = item_for(maria, john, closing, PEER)
    client.force_login(maria)
    body = client.get(DASHBOARD).content.decode()
    assert "Book peer practice with Sheila Obi" in body
    assert f'action="{url(item)}"' in body


def test_booking_peer_practice_approves_the_pairing_and_links_the_session(team, closing, client):
    maria, john, sheila = team
    item = item_for(maria, john, closing, PEER)
    client.force_login(maria)
    response = take(client, item)
    assert response.status_code == 302 and response["Location"].endswith(f"{DASHBOARD}#budget")
    item.refresh_from_db()
    assert item.status == RESOLVED and item.resolved_at and item.note == "Peer practice booked"
    session = item.session
    assert (session.coach, session.rep, session.source) == (
        sheila,
        john,
        CoachingSession.Source.PEER,
    )
    assert session.focus_skill == closing and session.status == CoachingSession.Status.SCHEDULED
    pairing = MentorPairing.objects.get()
    assert (pairing.mentor, pairing.mentee, pairing.status, pairing.decided_by) == (
        sheila,
        john,
        MentorPairing.Status.ACTIVE,
        maria,
    )
    assert "Peer practice booked: Sheila Obi with John Ode" in message_of(response)
    page = client.get(DASHBOARD).content.decode()
    assert "Peer practice booked" in page and f"/coaching/sessions/{session.pk}/" in page


def test_an_active_pairing_s_practice_to_come_serves_and_nothing_is_booked_twice(
    team, closing, client
):
    maria, john, _sheila = team
    first = item_for(maria, john, closing, PEER)
    client.force_login(maria)
    take(client, first)
    first.refresh_from_db()
    second = item_for(maria, john, closing, PEER, kind=DeferredCoaching.Kind.FOLLOW_UP)
    assert take(client, second).status_code == 302
    second.refresh_from_db()
    assert second.status == RESOLVED and second.session == first.session
    assert CoachingSession.objects.filter(source=CoachingSession.Source.PEER).count() == 1
    assert MentorPairing.objects.count() == 1


def test_over_htmx_the_section_is_redrawn_with_the_peer_session(team, closing, client):
    maria, john, _sheila = team
    item = item_for(maria, john, closing, PEER)
    client.force_login(maria)
    response = take(client, item, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="budget"' in body
    item.refresh_from_db()
    assert "✓ Peer practice booked" in body and f"/coaching/sessions/{item.session_id}/" in body
    again = take(client, item, headers={"HX-Request": "true"}).content.decode()
    assert "already met another way" in again


def test_nobody_to_mentor_any_more_is_refused_and_the_item_waits(team, closing, client):
    maria, john, sheila = team
    item = item_for(maria, john, closing, PEER)
    # Since the item was written, the manager declined sheila for john on closing.
    MentorPairing.objects.create(
        mentor=sheila,
        mentee=john,
        skill=closing,
        decided_by=maria,
        status=MentorPairing.Status.DECLINED,
    )
    client.force_login(maria)
    body = client.get(DASHBOARD).content.decode()
    assert "Book peer practice" not in body and "Nobody can mentor John Ode" in body
    response = take(client, item)
    assert "Nobody can mentor John Ode on Closing any more" in message_of(response)
    item.refresh_from_db()
    assert item.status == WAITING and item.session is None
    assert not CoachingSession.objects.filter(source=CoachingSession.Source.PEER).exists()


def test_no_slot_for_both_saves_nothing_and_says_so(team, closing, client, monkeypatch):
    maria, john, _sheila = team
    item = item_for(maria, john, closing, PEER)

    def no_slot(**_kwargs):
        raise NoSlotFound("nothing free")

    monkeypatch.setattr(mentoring, "slot_find", no_slot)
    client.force_login(maria)
    response = take(client, item, headers={"HX-Request": "true"})
    assert "No time free for both" in response.content.decode()
    item.refresh_from_db()
    assert item.status == WAITING and item.note == ""
    assert not MentorPairing.objects.exists()
    assert not CoachingSession.objects.filter(source=CoachingSession.Source.PEER).exists()


# --- refresher questions ------------------------------------------------------------------------


def test_sending_refresher_questions_schedules_them_through_the_outbox(team, closing, client):
    maria, john, _sheila = team
    item = item_for(maria, john, closing, REFRESHER)
    client.force_login(maria)
    assert "Send refresher questions now" in client.get(DASHBOARD).content.decode()
    response = take(client, item)
    assert "Refresher questions sent to John Ode" in message_of(response)
    item.refresh_from_db()
    assert item.status == RESOLVED and item.note == "Refresher questions sent"
    assert item.session is None
    reinforcement = Reinforcement.objects.get(rep=john, skill=closing)
    assert reinforcement.status == Reinforcement.Status.PENDING
    assert 1 <= len(reinforcement.question_ids) <= 3
    assert Reminder.objects.filter(
        recipient=john,
        kind=Reminder.Kind.REINFORCEMENT_DUE,
        dedupe_key__startswith=f"reinforcement:{reinforcement.pk}:",
    ).exists()
    assert "✓ Refresher questions sent" in client.get(DASHBOARD).content.decode()


def test_a_follow_up_without_a_skill_sends_refreshers_on_its_module_s_skill(
    team, closing, module, client
):
    maria, john, _sheila = team
    item = item_for(
        maria, john, None, REFRESHER, kind=DeferredCoaching.Kind.FOLLOW_UP, module=module
    )
    client.force_login(maria)
    take(client, item)
    item.refresh_from_db()
    assert item.status == RESOLVED
    assert Reinforcement.objects.filter(rep=john, skill=closing).exists()


def test_a_skill_without_questions_is_refused_and_nothing_is_sent(team, client):
    maria, john, _sheila = team
    discovery = SkillFactory(slug="discovery", name="Discovery")
    item = item_for(maria, john, discovery, REFRESHER)
    client.force_login(maria)
    response = take(client, item)
    assert "no quiz questions on Discovery" in message_of(response)
    item.refresh_from_db()
    assert item.status == WAITING
    assert not Reinforcement.objects.exists()


def test_an_item_with_no_skill_at_all_is_refused(team, client):
    maria, john, _sheila = team
    item = item_for(maria, john, None, REFRESHER, kind=DeferredCoaching.Kind.FOLLOW_UP)
    client.force_login(maria)
    assert "names no skill" in message_of(take(client, item))
    item.refresh_from_db()
    assert item.status == WAITING


# --- who may, and what it costs -----------------------------------------------------------------


@pytest.mark.parametrize("alternative", [PEER, REFRESHER])
def test_anyone_but_the_manager_it_was_deferred_for_gets_a_404(team, closing, client, alternative):
    maria, john, sheila = team
    item = item_for(maria, john, closing, alternative)
    for someone in (ManagerFactory(), john, sheila):
        client.force_login(someone)
        assert take(client, item).status_code == 404
        assert take(client, item, headers={"HX-Request": "true"}).status_code == 404
    item.refresh_from_db()
    assert item.status == WAITING
    assert not Reinforcement.objects.exists() and not MentorPairing.objects.exists()


def test_taking_the_alternative_is_post_only(team, closing, client):
    maria, john, _sheila = team
    item = item_for(maria, john, closing, PEER)
    client.force_login(maria)
    assert client.get(url(item)).status_code == 405


def test_the_budget_section_s_queries_do_not_grow_with_peer_items(
    team, closing, module, client, django_assert_max_num_queries
):
    maria, john, _sheila = team
    item_for(maria, john, closing, PEER)
    client.force_login(maria)
    client.get(DASHBOARD)  # warm the team cache

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(DASHBOARD).content.decode()
        assert body.count("Book peer practice with Sheila Obi") == len(
            DeferredCoaching.objects.filter(alternative=PEER)
        )
        return len(queries)

    few = count()
    for name in ("tom", "zoe", "nina"):
        mentee = RepFactory(username=name, manager=maria)
        stands(mentee, module, closing, 2, 2, 2)
        item_for(maria, mentee, closing, PEER)
    client.get(DASHBOARD)
    assert count() == few
    with django_assert_max_num_queries(40):
        client.get(DASHBOARD)
