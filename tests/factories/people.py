"""Factories of the organisation (app `appraisal`): users, teams, people, HR and admins."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from appraisal.models import Person, Team, TeamFunction
from appraisal.permissions import HR_GROUP

PASSWORD = "a-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Team {n}")
    function = TeamFunction.PRODUCT


class PersonFactory(factory.django.DjangoModelFactory):
    """A person with a user account, in a team of their own, with no leader (so never
    their own leader: `person_is_not_own_leader`)."""

    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    employee_id = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Person {n}")
    title = "Product Manager"
    team = factory.SubFactory(TeamFactory)
    leader = None
    is_reviewed_pm = False


class HrFactory(PersonFactory):
    """A member of the group "HR" (roles come from data: appraisal.permissions)."""

    class Meta:
        skip_postgeneration_save = True

    title = "HR Business Partner"

    @factory.post_generation
    def hr_group(self, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=HR_GROUP)
            self.user.groups.add(group)


class AdminFactory(PersonFactory):
    """An administrator: Django's `is_staff`."""

    title = "Administrator"
    user = factory.SubFactory(UserFactory, is_staff=True)


def make_hr(**kwargs) -> Person:
    return HrFactory(**kwargs)


def make_admin(**kwargs) -> Person:
    return AdminFactory(**kwargs)
