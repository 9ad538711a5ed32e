"""The demo organisation's people (DESIGN §10)."""

from __future__ import annotations

from accounts.models import User
from accounts.services import user_upsert

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password

# username, first, last, role, manager username, time zone, who they are
DEMO_PEOPLE: list[tuple[str, str, str, str, str | None, str, str]] = [
    ("ada", "Ada", "Okafor", "admin", None, "Europe/London", "admin: authoring, people, reports"),
    (
        "maria",
        "Maria",
        "Lopez",
        "manager",
        None,
        "Europe/London",
        "manager of john, sheila, liam, priya",
    ),
    ("omar", "Omar", "Haddad", "manager", None, "America/New_York", "manager of nina, tom, zoe"),
    (
        "john",
        "John",
        "Miller",
        "rep",
        "maria",
        "Europe/London",
        "builds rapport, struggles to close",
    ),
    (
        "sheila",
        "Sheila",
        "Grant",
        "rep",
        "maria",
        "Europe/London",
        "closes well, struggles to prospect",
    ),
    ("liam", "Liam", "Byrne", "rep", "maria", "Europe/Dublin", "new starter"),
    ("priya", "Priya", "Shah", "rep", "maria", "Europe/London", "steady all-rounder"),
    ("nina", "Nina", "Petrova", "rep", "omar", "America/New_York", "strong discovery"),
    ("tom", "Tom", "Walsh", "rep", "omar", "America/Chicago", "handles objections well"),
    ("zoe", "Zoe", "Kim", "rep", "omar", "America/New_York", "new starter"),
]


def demo_people_seed() -> dict[str, User]:
    """Create or refresh the demo people; safe to run any number of times."""
    people: dict[str, User] = {}
    for username, first, last, role, manager, tz, _ in DEMO_PEOPLE:
        people[username] = user_upsert(
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.example",
            manager=people.get(manager) if manager else None,
            timezone=tz,
        )
    return people
