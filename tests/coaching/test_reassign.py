"""A rep moves to another manager and their coaching moves with the reporting line (DESIGN §6):
the plan, the scheduled sessions (at the same time when the new coach is free, else at the new
coach's first free slot), their reminders; held sessions stay as history; three people are told;
and all of it happens in one transaction. From then on the former manager has no rights over
the rep, in pages and in the API, whatever a row's stored coach says.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.services import user_set_manager, user_upsert
from coaching.models import CoachingPlan, CoachingSession, Notification, Reminder
from coaching.reminders.calendar import calendar_feed_for
from coaching.reminders.messages import reminder_message
from coaching.reminders.outbox import reminders_claim_due, reminders_deliver
from coaching.reminders.schedule import session_reminders_schedule
from coaching.sessions import reassign
from config.errors import DomainError
from tests.coaching.factories import (
    UTC,
    CommitmentFactory,
    ObservationFactory,
    freeze,
    plan_of,
    session_with,
)
from tests.coaching.test_delivery import invite_of
from tests.conftest import api_as
from tests.factories import AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 8, tzinfo=UTC)  # Tuesday, 08:00 UTC
WEDNESDAY_10 = dt.datetime(2026, 3, 11, 10, tzinfo=UTC)
THURSDAY_14 = dt.datetime(2026, 3, 12, 14, tzinfo=UTC)
TIMED = (Reminder.Kind.SESSION_24H, Reminder.Kind.SESSION_1H, Reminder.Kind.SESSION_HOLD_OVERDUE)


@pytest.fixture
def line(monkeypatch):
    """A rep coached by ``old``: a plan, two sessions ahead with their reminders, one held
    (rated, with a commitment); ``new`` is the manager they move to. Everyone in UTC."""
    freeze(monkeypatch, NOW)
    old = ManagerFactory(username="old", timezone="UTC")
    new = ManagerFactory(username="new", timezone="UTC")
    rep = RepFactory(username="rep", manager=old, timezone="UTC")
    admin = AdminFactory(username="boss", timezone="UTC")
    plan_of(rep)
    ahead = [
        session_with(rep, scheduled_for=WEDNESDAY_10),
        session_with(rep, scheduled_for=THURSDAY_14),
    ]
    for session in ahead:
        session_reminders_schedule(session=session)
    held = session_with(
        rep,
        status=CoachingSession.Status.HELD,
        scheduled_for=NOW - dt.timedelta(days=7),
        held_at=NOW - dt.timedelta(days=7),
    )
    observation = ObservationFactory(session=held, rep=rep, observer=old)
    commitment = CommitmentFactory(session=held, rep=rep)
    return {
        "old": old,
        "new": new,
        "rep": rep,
        "admin": admin,
        "ahead": ahead,
        "held": held,
        "observation": observation,
        "commitment": commitment,
    }


def move(line, manager=None):
    return user_set_manager(user=line["rep"], manager=manager or line["new"], actor=line["admin"])


def fresh(session: CoachingSession) -> CoachingSession:
    return CoachingSession.objects.get(pk=session.pk)


# --- the service -------------------------------------------------------------------------------


def test_the_open_plan_goes_to_the_new_coach(line):
    move(line)
    assert CoachingPlan.objects.active().get(rep=line["rep"]).coach == line["new"]


def test_sessions_ahead_keep_their_time_when_the_new_coach_is_free(line):
    move(line)
    for session in line["ahead"]:
        moved = fresh(session)
        assert moved.coach == line["new"]
        assert moved.scheduled_for == session.scheduled_for
        assert moved.sequence == session.sequence + 1  # calendars replace the event


def test_a_session_the_new_coach_is_busy_for_moves_to_their_first_free_slot(line):
    other_rep = RepFactory(manager=line["new"], timezone="UTC")
    session_with(other_rep, scheduled_for=WEDNESDAY_10)
    move(line)
    clashing = fresh(line["ahead"][0])
    # The new coach's first free slot from that time on, on the working day's grid.
    assert clashing.coach == line["new"]
    assert clashing.scheduled_for == WEDNESDAY_10 + dt.timedelta(minutes=30)
    assert fresh(line["ahead"][1]).scheduled_for == THURSDAY_14
    # The rep hears of the new time; the notice names the old one.
    notice = Reminder.objects.get(
        session=clashing,
        recipient=line["rep"],
        kind=Reminder.Kind.SESSION_RESCHEDULED,
        channel=Reminder.Channel.IN_APP,
    )
    assert "It was planned for Wed 11 Mar 2026, 10:00 UTC" in reminder_message(notice).body


def test_a_session_outside_the_new_coach_s_working_hours_moves_into_them(line):
    line["new"].timezone = "America/New_York"
    line["new"].save(update_fields=["timezone"])
    move(line)
    # 10:00 UTC is 06:00 in New York (summer time since 8 March): the day starts at 09:00 there.
    assert fresh(line["ahead"][0]).scheduled_for == dt.datetime(2026, 3, 11, 13, tzinfo=UTC)
    assert fresh(line["ahead"][1]).scheduled_for == THURSDAY_14


def test_pending_reminders_of_the_sessions_go_to_the_new_coach(line):
    timed = TIMED
    move(line)
    for session in line["ahead"]:
        pending = session.reminders.filter(status=Reminder.Status.PENDING, kind__in=timed)
        assert not pending.filter(recipient=line["old"]).exists()
        for kind in timed:
            assert pending.filter(recipient=line["new"], kind=kind).count() == 2  # both channels
        assert pending.filter(recipient=line["rep"], kind=Reminder.Kind.SESSION_24H).count() == 2
        # The former coach's calendar loses the event, the new coach's gains it.
        assert session.reminders.filter(
            recipient=line["old"], kind=Reminder.Kind.SESSION_CANCELLED
        ).exists()
        assert session.reminders.filter(
            recipient=line["new"], kind=Reminder.Kind.SESSION_BOOKED
        ).exists()


def test_held_sessions_and_observations_stay_as_history(line):
    move(line)
    held = fresh(line["held"])
    assert held.coach == line["old"] and held.status == CoachingSession.Status.HELD
    assert held.observations.get().observer == line["old"]


def test_rep_former_and_new_coach_are_told_and_the_admin_who_moved_them_is_not(line):
    move(line)
    told = Reminder.objects.filter(kind=Reminder.Kind.COACH_CHANGED)
    assert {(r.recipient.username, r.channel) for r in told} == {
        (person, channel)
        for person in ("rep", "old", "new")
        for channel in (Reminder.Channel.IN_APP, Reminder.Channel.EMAIL)
    }
    words = {
        r.recipient.username: reminder_message(r)
        for r in told.filter(channel=Reminder.Channel.EMAIL)
    }
    new, old = line["new"], line["old"]
    assert words["rep"].title == f"Your coach is now {new}"
    assert "2 upcoming sessions" in words["rep"].body
    assert words["new"].title == f"{line['rep']} now reports to you"
    assert words["new"].url == reverse("coaching:plan", args=[line["rep"].pk])
    assert words["old"].title == f"{line['rep']} no longer reports to you"
    assert f"now go to {new}" in words["old"].body
    assert str(old) in words["new"].body


def test_a_failure_in_the_hand_over_leaves_everything_as_it_was(line, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(reassign, "_tell", broken)
    with pytest.raises(RuntimeError):
        move(line)
    line["rep"].refresh_from_db()
    assert line["rep"].manager == line["old"]
    assert CoachingPlan.objects.active().get(rep=line["rep"]).coach == line["old"]
    for session in line["ahead"]:
        assert fresh(session).coach == line["old"]
        assert not session.reminders.filter(recipient=line["new"]).exists()


def test_setting_the_same_manager_changes_nothing(line):
    user_set_manager(user=line["rep"], manager=line["old"], actor=line["admin"])
    assert not Reminder.objects.filter(kind=Reminder.Kind.COACH_CHANGED).exists()
    assert fresh(line["ahead"][0]).sequence == line["ahead"][0].sequence


def test_a_rep_left_without_a_manager_has_sessions_waiting_for_an_admin(line):
    user_set_manager(user=line["rep"], manager=None, actor=line["admin"])
    assert all(fresh(session).coach is None for session in line["ahead"])
    assert not Reminder.objects.filter(
        recipient=line["old"],
        status=Reminder.Status.PENDING,
        session__in=line["ahead"],
        kind__in=TIMED,
    ).exists()
    rep_notice = Reminder.objects.get(
        recipient=line["rep"], kind=Reminder.Kind.COACH_CHANGED, channel="in_app"
    )
    assert reminder_message(rep_notice).title == "You have no manager assigned for now"


def test_the_import_path_moves_coaching_too(line):
    rep = line["rep"]
    user_upsert(
        username=rep.username,
        role="rep",
        password="demo-pass-2026",
        first_name=rep.first_name,
        last_name=rep.last_name,
        email=rep.email,
        manager=line["new"],
        timezone="UTC",
    )
    assert fresh(line["ahead"][0]).coach == line["new"]
    assert CoachingPlan.objects.active().get(rep=rep).coach == line["new"]


# --- who may manage whom --------------------------------------------------------------------------


def test_a_rep_cannot_be_anyone_s_manager(line):
    other = RepFactory(timezone="UTC")
    with pytest.raises(DomainError, match="is a rep, and a rep has nobody reporting to them"):
        user_set_manager(user=line["rep"], manager=other, actor=line["admin"])
    line["rep"].refresh_from_db()
    assert line["rep"].manager == line["old"]


def test_a_manager_with_reports_cannot_become_a_rep(line):
    old = line["old"]
    with pytest.raises(DomainError, match=r"1 person reports to .*; move them to another manager"):
        user_upsert(username=old.username, role="rep", password="demo-pass-2026", timezone="UTC")
    old.refresh_from_db()
    assert old.is_manager


def test_a_manager_without_reports_may_become_a_rep(line):
    user = user_upsert(
        username=line["new"].username, role="rep", password="demo-pass-2026", timezone="UTC"
    )
    assert user.is_rep


# --- the former manager's rights: none but reading what they held ----------------------------


def test_the_former_manager_gets_404_on_the_rep_s_pages(line, client):
    move(line)
    client.force_login(line["old"])
    rep, ahead = line["rep"], line["ahead"][0]
    for url in (
        reverse("coaching:session", args=[ahead.pk]),
        reverse("coaching:plan", args=[rep.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for name, arg in (
        ("coaching:session_hold", ahead.pk),
        ("coaching:session_amend", ahead.pk),
        ("coaching:session_cancel", ahead.pk),
        ("coaching:session_reschedule", ahead.pk),
        ("coaching:commitment_review", line["commitment"].pk),
        ("coaching:plan_focus", rep.pk),
    ):
        assert client.post(reverse(name, args=[arg])).status_code == 404, name


def test_the_former_manager_reads_a_session_they_held_and_changes_nothing(line, client):
    move(line)
    client.force_login(line["old"])
    held = line["held"]
    page = client.get(reverse("coaching:session", args=[held.pk]))
    assert page.status_code == 200
    assert "Coach&#x27;s eyes only." in page.content.decode()  # their own private notes
    for name in ("coaching:session_hold", "coaching:session_amend", "coaching:session_cancel"):
        assert client.post(reverse(name, args=[held.pk])).status_code == 403, name


def test_the_new_manager_sees_the_history_but_not_the_former_coach_s_private_notes(line, client):
    move(line)
    client.force_login(line["new"])
    page = client.get(reverse("coaching:session", args=[line["held"].pk]))
    assert page.status_code == 200
    assert "Coach&#x27;s eyes only." not in page.content.decode()
    assert client.get(reverse("coaching:session", args=[line["ahead"][0].pk])).status_code == 200
    assert client.get(reverse("coaching:plan", args=[line["rep"].pk])).status_code == 200


def test_the_former_manager_gets_404_in_the_api(line):
    move(line)
    api = api_as(line["old"])
    ahead, commitment = line["ahead"][0], line["commitment"]
    assert api.get(f"/api/v1/coaching/sessions/{ahead.pk}/").status_code == 404
    assert api.get(f"/api/v1/coaching/commitments/{commitment.pk}/").status_code == 404
    assert api.post(f"/api/v1/coaching/sessions/{ahead.pk}/cancel/").status_code == 404
    listed = {row["id"] for row in api.get("/api/v1/coaching/sessions/").json()["results"]}
    assert listed == {line["held"].pk}
    assert api.get("/api/v1/coaching/plans/").json()["results"] == []
    assert api.get("/api/v1/coaching/commitments/").json()["results"] == []
    # Their reminders about the rep's sessions still to come went to the new coach; what is
    # left for them is the word that the sessions were handed over.
    reminders = api.get("/api/v1/reminders/?page_size=100").json()["results"]
    assert {
        r["kind"]
        for r in reminders
        if r["session"] in {s.pk for s in line["ahead"]} and r["status"] == "pending"
    } == {Reminder.Kind.SESSION_CANCELLED}


def test_the_former_manager_s_calendar_feed_keeps_only_what_they_held(line, client):
    move(line)
    feed = calendar_feed_for(user=line["old"])
    body = client.get(reverse("coaching:calendar_feed", args=[feed.token])).content.decode()
    assert f"session-{line['held'].pk}@" in body
    assert all(f"session-{s.pk}@" not in body for s in line["ahead"])


# --- the admin's user page ------------------------------------------------------------------


def admin_change(client, user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "manager": str(user.manager_id or ""),
        "timezone": user.timezone,
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "_save": "Save",
        **changes,
    }
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)


def test_the_admin_user_page_moves_the_rep_through_the_service(line, client):
    client.force_login(line["admin"])
    response = admin_change(client, line["rep"], manager=str(line["new"].pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(line["ahead"][0]).coach == line["new"]
    assert Reminder.objects.filter(kind=Reminder.Kind.COACH_CHANGED, recipient=line["new"]).exists()
    # The admin who did it is not told.
    assert not Reminder.objects.filter(recipient=line["admin"]).exists()


def test_the_admin_user_page_explains_a_refused_line(line, client):
    client.force_login(line["admin"])
    other = RepFactory(timezone="UTC")
    response = admin_change(client, line["rep"], manager=str(other.pk))
    assert response.status_code == 200
    assert "is a rep, and a rep has nobody reporting to them" in response.content.decode()
    response = admin_change(client, line["old"], role="rep")
    assert response.status_code == 200
    assert "move them to another manager before making" in response.content.decode()
    assert fresh(line["ahead"][0]).coach == line["old"]


def test_the_notices_go_out_in_app_and_by_email_with_the_calendar_changes(line, mailoutbox):
    move(line)
    reminders_deliver(reminder_ids=reminders_claim_due(now=NOW), now=NOW)
    by_subject = {(m.to[0], m.subject): m for m in mailoutbox}
    rep, old, new = line["rep"], line["old"], line["new"]
    assert (rep.email, f"Your coach is now {new}") in by_subject
    assert (new.email, f"{rep} now reports to you") in by_subject
    assert (old.email, f"{rep} no longer reports to you") in by_subject
    handed = [
        m for (to, subject), m in by_subject.items() if to == old.email and "handed" in subject
    ]
    assert len(handed) == 2
    assert {invite_of(m)["method"] for m in handed} == {"CANCEL"}
    assert Notification.objects.filter(recipient=new, title=f"{rep} now reports to you").exists()


def test_nobody_but_an_admin_rewrites_a_record_the_former_coach_wrote(line, client):
    """Within the amend window, the record stays the former coach's words: the new manager
    reads it (without its private notes) and may not rewrite it; the former coach may not
    either, as the rep is no longer theirs."""
    just_held = session_with(
        line["rep"],
        status=CoachingSession.Status.HELD,
        scheduled_for=NOW - dt.timedelta(hours=2),
        held_at=NOW - dt.timedelta(hours=1),
        private_notes="Only for the former coach.",
    )
    move(line)
    url = reverse("coaching:session_amend", args=[just_held.pk])
    for who in ("new", "old"):
        client.force_login(line[who])
        page = client.get(reverse("coaching:session", args=[just_held.pk])).content.decode()
        assert "Only for the former coach." not in page or who == "old"
        assert 'name="private_notes"' not in page
        assert client.post(url).status_code == 403, who
        amend = api_as(line[who]).post(f"/api/v1/coaching/sessions/{just_held.pk}/amend/", {})
        assert amend.status_code == 403, who
