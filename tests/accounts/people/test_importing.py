"""People from CSV: every row's outcome, each kind of error, idempotence, all or nothing."""

from __future__ import annotations

import pytest

from accounts.importing import (
    CREATE,
    ERROR,
    HEADER,
    UNCHANGED,
    UPDATE,
    ImportRefused,
    people_import_apply,
    people_import_preview,
)
from accounts.models import AuditEvent, User
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def csv_of(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


NEW_TEAM = csv_of(
    "ana,Ana,Silva,ana@example.com,rep,lea,Europe/Lisbon",
    "bo,Bo,Berg,bo@example.com,rep,lea,",
    "lea,Lea,Lund,lea@example.com,manager,,Europe/Oslo",
)


def outcomes(plan) -> dict[str, str]:
    return {row.username: row.outcome for row in plan.rows}


def errors(plan) -> list[str]:
    return [f"{line}: {message}" for line, message in plan.errors]


def test_a_new_team_is_previewed_without_writing_anything():
    plan = people_import_preview(text=NEW_TEAM)
    assert plan.ok
    assert outcomes(plan) == {"ana": CREATE, "bo": CREATE, "lea": CREATE}
    assert not User.objects.filter(username__in=["ana", "bo", "lea"]).exists()


def test_managers_may_come_after_their_reports(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        plan = people_import_apply(text=NEW_TEAM, actor=None)
    assert plan.applied
    lea = User.objects.get(username="lea")
    ana = User.objects.get(username="ana")
    assert ana.manager == lea and ana.timezone == "Europe/Lisbon"
    assert User.objects.get(username="bo").timezone == "UTC"
    assert lea.role == User.Role.MANAGER and lea.manager is None
    assert not ana.has_usable_password()
    # New people are invited once it commits.
    assert sorted(message.to[0] for message in mailoutbox) == [
        "ana@example.com",
        "bo@example.com",
        "lea@example.com",
    ]


def test_reimporting_the_same_file_changes_nothing(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        people_import_apply(text=NEW_TEAM, actor=None)
    audit_rows = AuditEvent.objects.count()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        plan = people_import_apply(text=NEW_TEAM, actor=None)
    assert set(outcomes(plan).values()) == {UNCHANGED}
    assert AuditEvent.objects.count() == audit_rows
    assert mailoutbox == []


def test_an_update_names_what_changes_and_moves_the_line_through_the_service():
    old, new = ManagerFactory(username="old"), ManagerFactory(username="new")
    RepFactory(username="jo", manager=old, email="jo@example.com", timezone="UTC")
    text = csv_of("jo,Jo,Ng,jo@example.com,rep,new,UTC")
    plan = people_import_preview(text=text)
    (row,) = plan.rows
    assert row.outcome == UPDATE
    assert "manager" in row.changes and "first_name" in row.changes
    people_import_apply(text=text, actor=None)
    jo = User.objects.get(username="jo")
    assert jo.manager == new and jo.first_name == "Jo"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.MANAGER_CHANGED, subject=jo, detail="old → new"
    ).exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "x,X,Y,x@example.com,rep,ghost,",
            "manager ghost is not in the file and not a person here",
        ),
        ("x,X,Y,x@example.com,rep,,Mars/Olympus", "time zone 'Mars/Olympus' is not known"),
        ("x,X,Y,not-an-address,rep,,", "email 'not-an-address' is not an email address"),
        ("x,X,Y,x@example.com,boss,,", "role 'boss' is not one of rep, manager, admin"),
        ("x,X,Y,x@example.com,rep,x,", "a person cannot be their own manager"),
        ("x,X,Y,x@example.com,rep", "5 cells where the header has 7"),
        ("bad name!,X,Y,x@example.com,rep,,", "letters, digits and @.+-_ only"),
    ],
)
def test_each_kind_of_row_error_is_named_on_its_line(line, expected):
    plan = people_import_preview(text=csv_of(line))
    assert not plan.ok
    assert plan.rows[0].outcome == ERROR
    assert expected in errors(plan)[0]
    assert errors(plan)[0].startswith("2: ")


def test_a_rep_cannot_be_a_manager_in_the_file_or_here():
    RepFactory(username="sam")
    plan = people_import_preview(
        text=csv_of(
            "x,X,Y,x@example.com,rep,sam,",
            "y,Y,Z,y@example.com,rep,x,",
        )
    )
    assert "manager sam is a rep" in plan.rows[0].message
    assert "manager x is a rep" in plan.rows[1].message


def test_a_loop_in_the_reporting_lines_is_refused():
    plan = people_import_preview(
        text=csv_of(
            "a,A,A,a@example.com,manager,b,",
            "b,B,B,b@example.com,manager,a,",
        )
    )
    assert all("would report (in turn)" in row.message for row in plan.rows)


def test_a_loop_through_someone_already_here_is_refused():
    top = ManagerFactory(username="top")
    ManagerFactory(username="mid", manager=top)
    plan = people_import_preview(text=csv_of("top,T,T,top@example.com,manager,mid,"))
    assert "would report (in turn) to top" in plan.rows[0].message


def test_a_username_twice_in_the_file_is_refused():
    plan = people_import_preview(
        text=csv_of("a,A,A,a@example.com,rep,,", "a,A,B,a2@example.com,rep,,")
    )
    assert errors(plan) == ["3: username a is also on line 2"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "username,first_name,last_name,email,role\nx,X,Y,x@example.com,rep\n",
        "name,first_name,last_name,email,role,manager,timezone\n",
    ],
)
def test_a_file_without_the_header_is_refused_on_line_one(text):
    plan = people_import_preview(text=text)
    assert not plan.ok
    line, message = plan.errors[0]
    assert line == 1 and message.startswith(f"The first line must be the header {HEADER}")


def test_the_header_may_list_the_columns_in_any_order_with_a_byte_order_mark():
    header = "\ufefftimezone,manager,role,email,last_name,first_name,username"
    text = header + "\nUTC,,rep,z@example.com,Z,Z,z\n"
    plan = people_import_preview(text=text)
    assert plan.ok and outcomes(plan) == {"z": CREATE}


def test_a_manager_with_reports_left_behind_cannot_become_a_rep():
    boss = ManagerFactory(username="boss", email="boss@example.com", timezone="UTC")
    RepFactory(username="kim", manager=boss)
    plan = people_import_preview(text=csv_of("boss,B,B,boss@example.com,rep,,UTC"))
    assert "1 person reports to boss; move them to another manager" in plan.rows[0].message


def test_a_manager_becomes_a_rep_once_the_same_file_moves_their_reports():
    boss = ManagerFactory(username="boss", email="boss@example.com", timezone="UTC")
    other = ManagerFactory(username="other")
    RepFactory(username="kim", manager=boss, email="kim@example.com", timezone="UTC")
    text = csv_of(
        "boss,B,B,boss@example.com,rep,other,UTC",
        "kim,K,K,kim@example.com,rep,other,UTC",
    )
    people_import_apply(text=text, actor=None)
    boss.refresh_from_db()
    assert boss.role == User.Role.REP and boss.manager == other
    assert User.objects.get(username="kim").manager == other


def test_a_team_moves_under_a_manager_who_reported_to_them():
    """Top-down order: no step of the apply ever makes a loop, though the end state swaps."""
    a = ManagerFactory(username="a", email="a@example.com", timezone="UTC")
    ManagerFactory(username="b", manager=a, email="b@example.com", timezone="UTC")
    text = csv_of("a,A,A,a@example.com,manager,b,UTC", "b,B,B,b@example.com,manager,,UTC")
    people_import_apply(text=text, actor=None)
    assert User.objects.get(username="a").manager.username == "b"
    assert User.objects.get(username="b").manager is None


def test_one_bad_row_applies_nothing():
    text = csv_of("ana,Ana,Silva,ana@example.com,rep,lea,", "lea,Lea,Lund,lea@,manager,,")
    with pytest.raises(ImportRefused) as refused:
        people_import_apply(text=text, actor=None)
    assert [line for line, _ in refused.value.plan.errors] == [2, 3]
    assert not User.objects.filter(username__in=["ana", "lea"]).exists()


def test_a_deactivated_person_in_the_file_is_an_error():
    RepFactory(username="gone", is_active=False, email="gone@example.com")
    plan = people_import_preview(text=csv_of("gone,G,G,gone@example.com,rep,,"))
    assert "is deactivated" in plan.rows[0].message


def test_the_preview_reads_the_organisation_in_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    lines = [f"p{i},P,Q,p{i}@example.com,rep,lead,UTC" for i in range(60)]
    text = csv_of(*lines, "lead,L,L,lead@example.com,manager,,UTC")
    with django_assert_max_num_queries(4):
        plan = people_import_preview(text=text)
    assert plan.ok
