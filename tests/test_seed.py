import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_builds_the_reporting_lines(capsys):
    call_command("seed_demo")
    first = {u.username: (u.role, u.manager_id, u.password) for u in User.objects.all()}
    call_command("seed_demo")
    again = {u.username: (u.role, u.manager_id, u.password) for u in User.objects.all()}
    assert first == again
    maria = User.objects.get(username="maria")
    assert set(maria.direct_reports.values_list("username", flat=True)) >= {"john", "sheila"}
    assert User.objects.get(username="ada").is_org_admin
    assert User.objects.get(username="john").check_password("demo-pass-2026")
    assert "demo-pass-2026" in capsys.readouterr().out
