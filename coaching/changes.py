"""Change notices for the team cache: which reps' coaching or memory evidence was just written.

Every service that writes what a manager sees of their team (sessions, observations,
commitments, plans, skill memory) calls ``team_version_bump`` with the reps it touched. The
team cache (``coaching.insights.cache``) reads these versions into its keys, so an entry
computed before the write is never served after it.

This module imports nothing of coaching, so a service in any part may call it without
reaching up into the reads that use it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

# Admins' team is everyone: their entries follow one organisation-wide version that every
# bump replaces, instead of thousands of rep versions.
ORG_VERSION_KEY = "team-version:org"


def rep_version_key(rep_id: int) -> str:
    """The cache key under which ``rep_id``'s version is kept."""
    return f"team-version:rep:{rep_id}"


def new_version() -> str:
    return secrets.token_hex(8)


def _bump(keys: list[str]) -> None:
    cache.set_many(dict.fromkeys(keys, new_version()), timeout=None)


def team_version_bump(*, rep_ids: Iterable[int | None]) -> None:
    """Mark the cached team reads of these reps' managers (and the organisation's) stale.

    Bumps now, so the rest of this request (and a test running inside one transaction) reads
    fresh, and again after commit: a reader that computed from the data as it stood before
    the commit must not leave an entry under the version this transaction set.
    """
    keys = [rep_version_key(rep_id) for rep_id in {int(pk) for pk in rep_ids if pk is not None}]
    if not keys:
        return
    keys.append(ORG_VERSION_KEY)
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))
