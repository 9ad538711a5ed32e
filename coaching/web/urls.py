from django.urls import path

from coaching.web import (
    budget,
    calendars,
    commitments,
    dashboard,
    mentoring,
    outcomes,
    plans,
    refreshers,
    reschedule,
    sessions,
    team,
)
from coaching.web import notifications as feeds

app_name = "coaching"

urlpatterns: list = [
    # The team dashboard and the organisation view (coaching/web/dashboard.py).
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path(
        "dashboard/act/<int:rep_id>/<int:skill_id>/",
        dashboard.recommendation_act_view,
        name="dashboard_act",
    ),
    # What the coaching budget deferred (coaching/web/budget.py).
    path("budget/<int:deferred_id>/pull/", budget.deferred_pull_view, name="deferred_pull"),
    path(
        "budget/<int:deferred_id>/dismiss/", budget.deferred_dismiss_view, name="deferred_dismiss"
    ),
    path(
        "budget/<int:deferred_id>/instead/",
        budget.deferred_take_alternative_view,
        name="deferred_take_alternative",
    ),
    # Peer mentoring decided with one click (coaching/web/mentoring.py).
    path(
        "mentoring/<int:mentee_id>/<int:skill_id>/<int:mentor_id>/approve/",
        mentoring.pairing_approve_view,
        name="pairing_approve",
    ),
    path(
        "mentoring/<int:mentee_id>/<int:skill_id>/<int:mentor_id>/decline/",
        mentoring.pairing_decline_view,
        name="pairing_decline",
    ),
    path(
        "mentoring/pairings/<int:pairing_id>/book/",
        mentoring.pairing_book_view,
        name="pairing_book",
    ),
    path(
        "mentoring/pairings/<int:pairing_id>/end/",
        mentoring.pairing_end_view,
        name="pairing_end",
    ),
    path("org/", dashboard.org, name="org"),
    path("org.csv", dashboard.org_csv, name="org_csv"),
    # Sales outcomes: the report against skills, and the admins' import (coaching/web/outcomes.py).
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("outcomes/import/", outcomes.outcomes_import, name="outcomes_import"),
    # The manager's people (coaching/web/team.py).
    path("team/", team.team, name="team"),
    path("team/<int:rep_id>/", team.rep, name="rep"),
    # Session pages (coaching/web/sessions.py).
    path("", sessions.my_coaching, name="my_coaching"),
    path("week/", sessions.week, name="week"),
    path("no-coach/", sessions.no_coach, name="no_coach"),
    path("sessions/<int:session_id>/", sessions.session_detail, name="session"),
    path("sessions/<int:session_id>/hold/", sessions.session_hold_view, name="session_hold"),
    path("sessions/<int:session_id>/amend/", sessions.session_amend_view, name="session_amend"),
    path(
        "sessions/<int:session_id>/reschedule/",
        sessions.session_reschedule_view,
        name="session_reschedule",
    ),
    path("sessions/<int:session_id>/cancel/", sessions.session_cancel_view, name="session_cancel"),
    # Asking to reschedule and keeping the time (coaching/web/reschedule.py).
    path(
        "sessions/<int:session_id>/reschedule-request/",
        reschedule.session_reschedule_request_view,
        name="session_reschedule_request",
    ),
    path(
        "sessions/<int:session_id>/reschedule-request/keep/",
        reschedule.session_reschedule_keep_view,
        name="session_reschedule_keep",
    ),
    # A calendar clash: move to the proposed time, or keep it (coaching/web/calendars.py).
    path(
        "sessions/<int:session_id>/conflict/accept/",
        calendars.session_conflict_accept_view,
        name="session_conflict_accept",
    ),
    path(
        "sessions/<int:session_id>/conflict/dismiss/",
        calendars.session_conflict_dismiss_view,
        name="session_conflict_dismiss",
    ),
    path(
        "sessions/<int:session_id>/reflection/",
        sessions.session_reflect_view,
        name="session_reflect",
    ),
    # Commitments (coaching/web/commitments.py) and plans (coaching/web/plans.py).
    path(
        "commitments/<int:commitment_id>/kept/",
        commitments.commitment_kept,
        name="commitment_kept",
    ),
    path(
        "commitments/<int:commitment_id>/review/",
        commitments.commitment_review_view,
        name="commitment_review",
    ),
    path(
        "commitments/<int:commitment_id>/undo/",
        commitments.commitment_undo_view,
        name="commitment_undo",
    ),
    path("plans/<int:rep_id>/", plans.plan_detail, name="plan"),
    path("plans/<int:rep_id>/goals/", plans.plan_goals, name="plan_goals"),
    path("plans/<int:rep_id>/focus/", plans.plan_focus, name="plan_focus"),
    # The rep's home and reinforcement answers (coaching/refreshers.py).
    path("home/", refreshers.rep_home, name="rep_home"),
    path(
        "reinforcements/<int:reinforcement_id>/",
        refreshers.reinforcement_page,
        name="reinforcement",
    ),
    # Notifications and the calendar feed (coaching/web/notifications.py).
    path("notifications/", feeds.notification_list, name="notifications"),
    path("notifications/count", feeds.notification_count, name="notification_count"),
    path("notifications/read-all", feeds.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read", feeds.notification_read, name="notification_read"),
    path("calendar/reset", feeds.calendar_feed_reset, name="calendar_feed_reset"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    path(
        "sessions/<int:session_id>/calendar.ics",
        feeds.session_calendar,
        name="session_calendar",
    ),
]
