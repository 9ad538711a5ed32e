from django.urls import path

from coaching.api.availability import MyAvailabilityApi, SessionSlotsApi
from coaching.api.calendars import BusyApi
from coaching.api.mentoring import TeamMentoringApi
from coaching.api.outcomes import OutcomesImportApi
from coaching.api.reminders import ReminderListApi
from coaching.api.reschedule import SessionRescheduleRequestApi, SessionRescheduleResolveApi
from coaching.api.skills import TeamSkillsApi
from coaching.api.views import (
    CommitmentDetailApi,
    CommitmentListApi,
    PlanListApi,
    SessionAmendApi,
    SessionCancelApi,
    SessionDetailApi,
    SessionHoldApi,
    SessionListCreateApi,
    SessionReflectionApi,
    SessionRescheduleApi,
)

urlpatterns: list = [
    path("reminders/", ReminderListApi.as_view(), name="api-reminders"),
    # The caller's busy times read from their calendar (coaching/api/calendars.py).
    path("me/busy/", BusyApi.as_view(), name="api-me-busy"),
    path("team/skills/", TeamSkillsApi.as_view(), name="api-team-skills"),
    # Peer mentoring: proposals, pairings, approve or decline (coaching/api/mentoring.py).
    path("team/mentoring/", TeamMentoringApi.as_view(), name="api-team-mentoring"),
    # Sales outcomes per rep and period, admins only (coaching/api/outcomes.py).
    path("outcomes/", OutcomesImportApi.as_view(), name="api-outcomes"),
    # Coaching (coaching/api/views.py).
    path("coaching/plans/", PlanListApi.as_view(), name="api-coaching-plans"),
    path("coaching/sessions/", SessionListCreateApi.as_view(), name="api-coaching-sessions"),
    path(
        "coaching/sessions/<int:session_id>/",
        SessionDetailApi.as_view(),
        name="api-coaching-session",
    ),
    path(
        "coaching/sessions/<int:session_id>/hold/",
        SessionHoldApi.as_view(),
        name="api-coaching-session-hold",
    ),
    path(
        "coaching/sessions/<int:session_id>/amend/",
        SessionAmendApi.as_view(),
        name="api-coaching-session-amend",
    ),
    path(
        "coaching/sessions/<int:session_id>/reschedule/",
        SessionRescheduleApi.as_view(),
        name="api-coaching-session-reschedule",
    ),
    path(
        "coaching/sessions/<int:session_id>/reschedule-request/",
        SessionRescheduleRequestApi.as_view(),
        name="api-coaching-session-reschedule-request",
    ),
    path(
        "coaching/sessions/<int:session_id>/reschedule-request/resolve/",
        SessionRescheduleResolveApi.as_view(),
        name="api-coaching-session-reschedule-resolve",
    ),
    path(
        "coaching/sessions/<int:session_id>/cancel/",
        SessionCancelApi.as_view(),
        name="api-coaching-session-cancel",
    ),
    path(
        "coaching/sessions/<int:session_id>/reflection/",
        SessionReflectionApi.as_view(),
        name="api-coaching-session-reflection",
    ),
    # Availability (coaching/api/availability.py).
    path("me/availability/", MyAvailabilityApi.as_view(), name="api-me-availability"),
    path(
        "coaching/sessions/<int:session_id>/slots/",
        SessionSlotsApi.as_view(),
        name="api-coaching-session-slots",
    ),
    path("coaching/commitments/", CommitmentListApi.as_view(), name="api-coaching-commitments"),
    path(
        "coaching/commitments/<int:commitment_id>/",
        CommitmentDetailApi.as_view(),
        name="api-coaching-commitment",
    ),
]
