"""The who-may-see-whom rules of DESIGN §6, asked as a matrix."""

import pytest

from accounts import permissions
from accounts.selectors import people_visible_to

pytestmark = pytest.mark.django_db

VIEWERS = ["rep", "manager", "other_manager", "admin"]

# viewer -> may they see / coach / assign to the rep?
EXPECTED_ABOUT_REP = {
    "rep": {"view": True, "coach": False, "assign": False},
    "manager": {"view": True, "coach": True, "assign": True},
    "other_manager": {"view": False, "coach": False, "assign": False},
    "admin": {"view": True, "coach": True, "assign": True},
}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_predicates_about_a_rep_follow_the_matrix(org, viewer):
    user = getattr(org, viewer)
    expected = EXPECTED_ABOUT_REP[viewer]
    assert permissions.can_view_person(user, org.rep) is expected["view"]
    assert permissions.can_coach(user, org.rep) is expected["coach"]
    assert permissions.can_assign_courses(user, org.rep) is expected["assign"]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_only_admins_author_and_manage_people(org, viewer):
    user = getattr(org, viewer)
    assert permissions.can_author_content(user) is (viewer == "admin")
    assert permissions.can_manage_users(user) is (viewer == "admin")


def test_a_rep_cannot_see_another_rep(org):
    assert not permissions.can_view_person(org.rep, org.other_rep)


def test_anonymous_sees_nobody(org):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.can_view_person(AnonymousUser(), org.rep)
    assert not permissions.can_coach(AnonymousUser(), org.rep)


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("rep", {"rep"}),
        ("manager", {"manager", "rep"}),
        ("other_manager", {"other_manager", "other_rep"}),
        ("admin", {"rep", "manager", "other_rep", "other_manager", "admin"}),
    ],
)
def test_people_visible_to_is_scoped(org, viewer, visible):
    names = set(people_visible_to(user=getattr(org, viewer)).values_list("username", flat=True))
    assert names == visible
