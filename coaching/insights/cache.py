"""The team reads (dashboard data, skill matrix) computed once and cached per team, as data:
the pages render it on every request, so nothing a viewer sees of their own is in an entry.

A cached entry is keyed by everything that can make it wrong:

- whose team it is (the owner's id: two managers never share an entry);
- the roster: one small query per read lists the team's members with their names. Moving a
  rep to another manager, deactivating one or renaming one changes the key whatever path did
  it (a service, the admin site, a script);
- one version per rep, replaced by ``coaching.changes.team_version_bump`` whenever evidence
  about that rep is written: sessions, observations, commitments, plans, skill memory, the
  coaching budget's deferred items and peer mentoring's decisions by the services that write
  them, and every quiz submit (``lms.signals.quiz_submitted``, received in
  ``coaching.receivers``), including the ones that complete nothing;
- the owner's coaching budget and time zone, which shape their weeks;
- a time bucket of ``TEAM_CACHE_SECONDS``: decay, "overdue" and the KPI windows move with the
  clock, so an entry is recomputed at least that often even when nobody acts. Within a bucket
  the figures are those of the moment the entry was computed; the settings default (10
  minutes) keeps a session that just ended, or a day that just turned, at most that late.

Content (skill names, module titles, published courses) is not in the key: it changes when
courses are published, and shows within a bucket. Neither is evidence on reps outside the team
that an entry reads: a session the manager still leads with a rep who moved to another team
(it counts in their budget), or a mentor in another team when peer mentoring reaches across
teams; those too show within a bucket.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of
from coaching.changes import ORG_VERSION_KEY, new_version, rep_version_key

T = TypeVar("T")

# Raised whenever what an entry holds changes shape (a field added to the dashboard's data, say):
# a deploy then never unpickles an entry the running code does not know. A test records the
# cached classes' fields beside it, so a change to them fails until this is raised.
ENTRY_SHAPE = 4


def _versions(keys: list[str]) -> list[str]:
    """The current versions of ``keys``; one that is missing (never bumped, or evicted) gets a
    fresh one, so an entry computed before an eviction can never match again."""
    found = cache.get_many(keys)
    missing = {key: new_version() for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return [found[key] for key in keys]


def _roster(owner: User) -> list[tuple]:
    return list(
        team_of(manager=owner)
        .order_by("pk")
        .values_list("pk", "username", "first_name", "last_name")
    )


def team_bucket_offset(*, owner_id: int) -> int:
    """Seconds by which this owner's time buckets are shifted: staggered across owners, so the
    teams' entries do not all expire at one moment and get rebuilt in one burst."""
    return (owner_id * 7919) % settings.TEAM_CACHE_SECONDS


def team_cache_key(*, owner: User, kind: str) -> str:
    """The key of ``owner``'s cached ``kind`` as things stand now: one query, one cache read."""
    roster = _roster(owner)
    if is_admin(owner):
        versions = _versions([ORG_VERSION_KEY])
    else:
        versions = _versions([rep_version_key(row[0]) for row in roster])
    # The app's clock, not the wall's: moving it (the simulation, tests) moves the bucket too.
    now = timezone.now().timestamp() + team_bucket_offset(owner_id=owner.pk)
    bucket = int(now // settings.TEAM_CACHE_SECONDS)
    # The owner's own budget and time zone shape their weeks on the dashboard.
    owner_terms = (owner.coaching_budget_hours, owner.timezone)
    digest = hashlib.blake2b(
        repr((roster, versions, owner_terms)).encode(), digest_size=16
    ).hexdigest()
    return f"team:{ENTRY_SHAPE}:{kind}:{owner.pk}:{bucket}:{digest}"


def team_cached(*, owner: User, kind: str, build: Callable[[], T]) -> T:
    """``build()``'s result for ``owner``'s team, from the cache while nothing it reads changed."""
    key = team_cache_key(owner=owner, kind=kind)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=settings.TEAM_CACHE_SECONDS)
    return value
