"""The coaching app's models, one module per sub-domain, one app label and migration history."""

from coaching.models.budget import DeferredCoaching
from coaching.models.calendars import CalendarBusy, CalendarSource
from coaching.models.memory import Reinforcement, ReinforcementAnswer, SkillMemory
from coaching.models.mentoring import MentorPairing
from coaching.models.outcomes import SalesOutcome
from coaching.models.preferences import EmailOptOut
from coaching.models.reminders import CalendarFeed, Notification, Reminder, new_feed_token
from coaching.models.sessions import (
    RATING_VALIDATORS,
    RUBRIC_ANCHORS,
    CoachingPlan,
    CoachingSession,
    Commitment,
    Observation,
    RescheduleRequest,
)

__all__ = [
    "RATING_VALIDATORS",
    "RUBRIC_ANCHORS",
    "CalendarBusy",
    "CalendarFeed",
    "CalendarSource",
    "CoachingPlan",
    "CoachingSession",
    "Commitment",
    "DeferredCoaching",
    "EmailOptOut",
    "MentorPairing",
    "Notification",
    "Observation",
    "Reinforcement",
    "ReinforcementAnswer",
    "Reminder",
    "RescheduleRequest",
    "SalesOutcome",
    "SkillMemory",
    "new_feed_token",
]
