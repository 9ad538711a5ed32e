"""Shared set-up for the skill memory, reinforcement, decay and matrix tests."""

from __future__ import annotations

import datetime as dt

import pytest

from coaching.receivers import MEMORY_DISPATCH_UID as DISPATCH_UID
from coaching.receivers import memory_on_module_completed
from lms.models import ModuleCompletion
from lms.signals import module_completed

UTC = dt.UTC
# A Monday; London is on GMT, so 10:00 UTC is 10:00 there too, inside working hours.
T0 = dt.datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture
def memory_receiver():
    """The completion → memory receiver, connected as CoachingConfig.ready() connects it.

    Left as it was afterwards: when the app connects it already, this changes nothing.
    """
    was_connected = module_completed.disconnect(sender=ModuleCompletion, dispatch_uid=DISPATCH_UID)
    module_completed.connect(
        memory_on_module_completed, sender=ModuleCompletion, dispatch_uid=DISPATCH_UID
    )
    yield
    if not was_connected:
        module_completed.disconnect(sender=ModuleCompletion, dispatch_uid=DISPATCH_UID)


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)
