import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.services import user_upsert
from config.errors import DomainError
from tests.factories import ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def test_a_person_cannot_be_their_own_manager():
    manager = ManagerFactory()
    manager.manager = manager
    with pytest.raises(ValidationError, match="own manager"):
        manager.full_clean()


def test_the_database_refuses_self_management_too():
    manager = ManagerFactory()
    manager.manager_id = manager.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        manager.save()


def test_a_reporting_cycle_is_refused_with_a_clear_message():
    top = ManagerFactory(username="top")
    middle = ManagerFactory(username="middle", manager=top)
    top.manager = middle
    with pytest.raises(ValidationError, match="cycle"):
        top.full_clean()


def test_an_unknown_time_zone_is_refused():
    rep = RepFactory()
    rep.timezone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError, match="time zone"):
        rep.full_clean()


def test_passwords_are_hashed_with_argon2():
    user = user_upsert(username="new", role="rep", password="a-long-password-2026")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_user_upsert_is_idempotent_and_keeps_the_hash():
    first = user_upsert(username="same", role="rep", password="a-long-password-2026")
    again = user_upsert(username="same", role="rep", password="a-long-password-2026")
    assert first.pk == again.pk
    assert first.password == again.password


def test_user_upsert_refuses_a_cycle_without_writing():
    top = user_upsert(username="top", role="manager", password="a-long-password-2026")
    user_upsert(username="low", role="manager", password="a-long-password-2026", manager=top)
    low = type(top).objects.get(username="low")
    with pytest.raises(DomainError, match="cycle"):
        user_upsert(username="top", role="manager", password="a-long-password-2026", manager=low)
    top.refresh_from_db()
    assert top.manager is None
