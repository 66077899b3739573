"""Factories for every model the tests build, in one place."""

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
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    employee_id = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"Person {n}")
    title = "Product Manager"
    team = factory.SubFactory(TeamFactory)
    leader = None
    is_reviewed_pm = False


def make_hr(**kwargs) -> Person:
    person = PersonFactory(title="HR Business Partner", **kwargs)
    group, _ = Group.objects.get_or_create(name=HR_GROUP)
    person.user.groups.add(group)
    return person


def make_admin(**kwargs) -> Person:
    person = PersonFactory(title="Administrator", **kwargs)
    person.user.is_staff = True
    person.user.save(update_fields=["is_staff"])
    return person
