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
import threading
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction

# Admins' team is everyone: their entries follow one organisation-wide version that every
# bump replaces, instead of thousands of rep versions.
ORG_VERSION_KEY = "team-version:org"


def rep_version_key(rep_id: int) -> str:
    """The cache key under which ``rep_id``'s version is kept."""
    return f"team-version:rep:{rep_id}"


def new_version() -> str:
    return secrets.token_hex(8)


def _bump(keys: Iterable[str]) -> None:
    cache.set_many(dict.fromkeys(keys, new_version()), timeout=None)


# The keys bumped in this thread's open transaction, bumped again once it commits.
_after_commit = threading.local()


def _bump_committed() -> None:
    keys: set[str] = getattr(_after_commit, "keys", set())
    _after_commit.keys = set()
    if keys:
        _bump(keys)


def team_version_bump(*, rep_ids: Iterable[int | None]) -> None:
    """Mark the cached team reads of these reps' managers (and the organisation's) stale.

    Bumps now, so the rest of this request (and a test running inside one transaction) reads
    fresh, and inside a transaction again after commit: a reader that computed from the data as
    it stood before the commit must not leave an entry under the version this transaction set.
    The after-commit bumps of one transaction (a quiz submit makes four) are written together:
    every callback takes all the keys waiting, so the first to run writes them and the others
    find none, and a callback dropped with a rolled-back savepoint loses nothing (keys of a
    transaction rolled back whole go with the next commit's: a bump too many costs an entry,
    never a stale read).
    """
    keys = [rep_version_key(rep_id) for rep_id in {int(pk) for pk in rep_ids if pk is not None}]
    if not keys:
        return
    keys.append(ORG_VERSION_KEY)
    _bump(keys)
    if connection.in_atomic_block:
        _after_commit.keys = getattr(_after_commit, "keys", set()) | set(keys)
        transaction.on_commit(_bump_committed)
