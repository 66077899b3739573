"""The demo company's organisation: teams, people, reporting lines, HR and an admin.

Idempotent: people are matched by employee ID and teams by name, so running it twice
changes nothing. Used by `manage.py seed_demo` and by tests that want a realistic company.
"""

from __future__ import annotations

from dataclasses import dataclass

from axes.utils import reset as reset_lockouts
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Person, Team, TeamFunction
from .permissions import HR_GROUP

DEMO_PASSWORD = "appraise-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoTeam:
    name: str
    function: str
    leader: tuple[str, str]  # (name, title)
    members: tuple[tuple[str, str], ...]
    members_are_pms: bool = False


HEAD_OF_PRODUCT = ("Xu Hui", "VP of Product")
DEMO_TEAMS = (
    DemoTeam(
        "Growth",
        TeamFunction.PRODUCT,
        ("Zhou Min", "Group Product Manager, Growth"),
        (
            ("Chen Lin", "Senior Product Manager"),
            ("Wang Fang", "Product Manager"),
            ("Li Na", "Product Manager"),
            ("Zhang Wei", "Associate Product Manager"),
        ),
        members_are_pms=True,
    ),
    DemoTeam(
        "Commerce",
        TeamFunction.PRODUCT,
        ("Sarah Johnson", "Group Product Manager, Commerce"),
        (
            ("Liu Yang", "Senior Product Manager"),
            ("Huang Jie", "Product Manager"),
            ("Emma Davis", "Product Manager"),
        ),
        members_are_pms=True,
    ),
    DemoTeam(
        "Social",
        TeamFunction.PRODUCT,
        ("Zhao Lei", "Group Product Manager, Social"),
        (
            ("Wu Xia", "Senior Product Manager"),
            ("Sun Hao", "Product Manager"),
            ("Olivia Brown", "Product Manager"),
            ("Ma Jun", "Product Manager"),
            ("Hu Yan", "Associate Product Manager"),
        ),
        members_are_pms=True,
    ),
    DemoTeam(
        "Platform",
        TeamFunction.PRODUCT,
        ("David Kim", "Group Product Manager, B2B Platform"),
        (
            ("Guo Qiang", "Senior Product Manager"),
            ("Lin Mei", "Product Manager"),
            ("James Wilson", "Product Manager"),
        ),
        members_are_pms=True,
    ),
    DemoTeam(
        "Design",
        TeamFunction.DESIGN,
        ("He Jing", "Design Manager"),
        (
            ("Luo Xin", "Product Designer"),
            ("Sophie Martin", "UX Researcher"),
            ("Gao Ying", "Visual Designer"),
        ),
    ),
    DemoTeam(
        "Engineering",
        TeamFunction.ENGINEERING,
        ("Tang Bo", "Engineering Manager"),
        (
            ("Zheng Kai", "Backend Engineer"),
            ("Michael Lee", "Frontend Engineer"),
            ("Feng Rui", "Mobile Engineer"),
            ("Cao Lei", "Staff Engineer"),
        ),
    ),
    DemoTeam(
        "QA",
        TeamFunction.QA,
        ("Deng Li", "QA Lead"),
        (("Yang Qian", "QA Engineer"), ("Peng Fei", "Test Automation Engineer")),
    ),
    DemoTeam(
        "Operations",
        TeamFunction.OPERATIONS,
        ("Xie Na", "Head of Operations"),
        (
            ("Han Mei", "Growth Operations"),
            ("Lu Chao", "Content Operations"),
            ("Anna Schmidt", "Customer Support Lead"),
        ),
    ),
    DemoTeam(
        "Data",
        TeamFunction.DATA,
        ("Song Tao", "Data Lead"),
        (("Jiang Wen", "Data Analyst"), ("Cai Ling", "Data Scientist")),
    ),
)
PRODUCT_OFFICE = "Product Office"
PEOPLE_TEAM = "People & Culture"
HR_PERSON = ("Ye Qing", "HR Business Partner")
ADMIN_PERSON = ("Pan Yu", "People Systems Administrator")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str


def username_for(name: str) -> str:
    return name.lower().replace(" ", ".")


class _Seeder:
    def __init__(self) -> None:
        self.accounts: list[DemoAccount] = []
        self.next_id = 1000
        self.user_model = get_user_model()
        # Hash the demo password once: one PBKDF2 run per account would take seconds.
        self.password_hash = make_password(DEMO_PASSWORD)

    def person(
        self, *, name: str, title: str, team: Team, leader: Person | None, is_pm: bool, role: str
    ) -> Person:
        username = username_for(name)
        user, _created = self.user_model.objects.update_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "first_name": name,
                "password": self.password_hash,
                "is_active": True,
            },
        )
        reset_lockouts(username=username)
        employee_id = f"DEMO-{self.next_id}"
        self.next_id += 1
        person, _created = Person.objects.update_or_create(
            user=user,
            defaults={
                "employee_id": employee_id,
                "name": name,
                "title": title,
                "team": team,
                "leader": leader,
                "is_reviewed_pm": is_pm,
            },
        )
        self.accounts.append(DemoAccount(username=username, name=name, role=role))
        return person


@transaction.atomic
def seed_organisation() -> list[DemoAccount]:
    """Create (or bring back to its demo state: passwords, lockouts, reporting lines) the
    demo organisation; return its accounts."""
    seeder = _Seeder()
    team = {}
    for spec in DEMO_TEAMS:
        team[spec.name], _ = Team.objects.update_or_create(
            name=spec.name, defaults={"function": spec.function}
        )
    team[PRODUCT_OFFICE], _ = Team.objects.update_or_create(
        name=PRODUCT_OFFICE, defaults={"function": TeamFunction.PRODUCT}
    )
    team[PEOPLE_TEAM], _ = Team.objects.update_or_create(
        name=PEOPLE_TEAM, defaults={"function": TeamFunction.PEOPLE}
    )

    head = seeder.person(
        name=HEAD_OF_PRODUCT[0],
        title=HEAD_OF_PRODUCT[1],
        team=team[PRODUCT_OFFICE],
        leader=None,
        is_pm=False,
        role="Leader of the product leaders",
    )
    for spec in DEMO_TEAMS:
        leader = seeder.person(
            name=spec.leader[0],
            title=spec.leader[1],
            team=team[spec.name],
            leader=head if spec.members_are_pms else None,
            is_pm=False,
            role=f"Leader, {spec.name}",
        )
        for name, title in spec.members:
            seeder.person(
                name=name,
                title=title,
                team=team[spec.name],
                leader=leader,
                is_pm=spec.members_are_pms,
                role=f"PM, {spec.name}" if spec.members_are_pms else f"Peer, {spec.name}",
            )

    hr = seeder.person(
        name=HR_PERSON[0],
        title=HR_PERSON[1],
        team=team[PEOPLE_TEAM],
        leader=None,
        is_pm=False,
        role="HR",
    )
    hr_group, _ = Group.objects.get_or_create(name=HR_GROUP)
    hr.user.groups.add(hr_group)

    admin = seeder.person(
        name=ADMIN_PERSON[0],
        title=ADMIN_PERSON[1],
        team=team[PEOPLE_TEAM],
        leader=hr,
        is_pm=False,
        role="Admin",
    )
    if not (admin.user.is_staff and admin.user.is_superuser):
        admin.user.is_staff = admin.user.is_superuser = True
        admin.user.save(update_fields=["is_staff", "is_superuser"])
    return seeder.accounts
