"""The team reads (dashboard data, skill matrix) computed once and cached per team.

A cached entry is keyed by everything that can make it wrong:

- whose team it is (the owner's id: two managers never share an entry);
- the roster: one small query per read lists the team's members with their names and a tally
  of their submitted quiz attempts. Moving a rep to another manager, deactivating one or
  renaming one changes the key whatever path did it (a service, the admin site, a script), and
  so does any quiz submit, including the ones that complete nothing (``lms`` knows nothing of
  ``coaching``, so it cannot tell us);
- one version per rep, replaced by ``team_version_bump`` whenever coaching or memory evidence
  about that rep is written (sessions, observations, commitments, plans, skill memory);
- a time bucket of ``TEAM_CACHE_SECONDS``: decay, "overdue" and the KPI windows move with the
  clock, so an entry is recomputed at least that often even when nobody acts. Within a bucket
  the figures are those of the moment the entry was computed; the settings default (10
  minutes) keeps a session that just ended, or a day that just turned, at most that late.

Content (skill names, module titles, published courses) is not in the key: it changes when
courses are published, and shows within a bucket.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_admin
from accounts.selectors import team_of

T = TypeVar("T")

# Admins' team is everyone: their entries follow one organisation-wide version that every
# bump replaces, instead of thousands of rep versions.
ORG_VERSION_KEY = "team-version:org"


def _rep_key(rep_id: int) -> str:
    return f"team-version:rep:{rep_id}"


def _bump(keys: list[str]) -> None:
    cache.set_many(dict.fromkeys(keys, secrets.token_hex(8)), timeout=None)


def team_version_bump(*, rep_ids: Iterable[int]) -> None:
    """Mark the cached team reads of these reps' managers (and the organisation's) stale.

    Called by the services that write what the team reads show. Bumps now, so the rest of
    this request (and a test running inside one transaction) reads fresh, and again after
    commit: a reader that computed from the data as it stood before the commit must not
    leave an entry under the version this transaction set.
    """
    keys = [_rep_key(rep_id) for rep_id in {int(pk) for pk in rep_ids if pk is not None}]
    if not keys:
        return
    keys.append(ORG_VERSION_KEY)
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


def _versions(keys: list[str]) -> list[str]:
    """The current versions of ``keys``; one that is missing (never bumped, or evicted) gets a
    fresh one, so an entry computed before an eviction can never match again."""
    found = cache.get_many(keys)
    missing = {key: secrets.token_hex(8) for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return [found[key] for key in keys]


def _roster(owner: User) -> list[tuple]:
    return list(
        team_of(manager=owner)
        .annotate(
            attempts=Count("quiz_attempts", filter=Q(quiz_attempts__submitted_at__isnull=False)),
            last_attempt=Max("quiz_attempts__submitted_at"),
        )
        .order_by("pk")
        .values_list("pk", "username", "first_name", "last_name", "attempts", "last_attempt")
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
        versions = _versions([_rep_key(row[0]) for row in roster])
    # The app's clock, not the wall's: moving it (the simulation, tests) moves the bucket too.
    now = timezone.now().timestamp() + team_bucket_offset(owner_id=owner.pk)
    bucket = int(now // settings.TEAM_CACHE_SECONDS)
    digest = hashlib.blake2b(repr((roster, versions)).encode(), digest_size=16).hexdigest()
    return f"team:{kind}:{owner.pk}:{bucket}:{digest}"


def team_cached(*, owner: User, kind: str, build: Callable[[], T]) -> T:
    """``build()``'s result for ``owner``'s team, from the cache while nothing it reads changed."""
    key = team_cache_key(owner=owner, kind=kind)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=settings.TEAM_CACHE_SECONDS)
    return value
