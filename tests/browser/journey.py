"""The whole review journey as browser steps, in any interface language.

Steps find things by form names and ids (never by English text), and check what people
see against the translation catalog, so the same steps run in English and in Chinese.
Each `setup_*` function reaches a step's starting state through the services (fast), so
every step can also run on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from appraisal.demo import DEMO_PASSWORD
from appraisal.models import Person, Team
from kpis.models import ScorecardTemplate
from reviews import services
from reviews.computation import cycle_compute
from reviews.models import AssessmentRole, Cycle, Phase, Review
from reviews.models import Cycle as CycleModel
from tests.browser.conftest import accept_confirmation
from tests.builders import HR, advance_to, build_cycle

PEERS = ("luo.xin", "zheng.kai", "yang.qian")
ACTUALS = {
    "mau_growth": "18",
    "day30_retention": "46",
    "nps": "72",
    "arpu_growth": "4",
    "support_tickets_per_1k_users": "9",
}
CYCLE_NAME = "Journey 2027 Q1"


def t(language: str, text: str) -> str:
    """`text` as the interface shows it in `language`."""
    with translation.override(language):
        return translation.gettext(text)


@dataclass
class Journey:
    page: Page
    language: str
    screenshot: object
    accessible: object
    base_url: str = ""
    people: dict[str, Person] = field(default_factory=dict)
    has_worker: bool = False

    # --- helpers ------------------------------------------------------------------------
    def sign_in(self, username: str) -> None:
        self.page.context.clear_cookies()
        self.page.context.add_cookies(
            [{"name": "django_language", "value": self.language, "url": self.base_url}]
        )
        self.page.goto("/accounts/login/")
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(DEMO_PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page.locator("main h1")).to_have_text(t(self.language, "My tasks"))

    def look(self, name: str) -> None:
        """Screenshot, accessibility check, and (in Chinese) no untranslated text."""
        self.screenshot(f"{self.language}-{name}")
        self.accessible()
        if self.language != "en":
            leftovers = untranslated_text(self.page)
            assert leftovers == [], f"untranslated on {self.page.url}: {leftovers}"

    def cycle(self) -> Cycle:
        return Cycle.objects.get(name=CYCLE_NAME)

    def review(self, username: str = "chen.lin") -> Review:
        return Review.objects.get(cycle__name=CYCLE_NAME, person__user__username=username)

    # --- the steps ----------------------------------------------------------------------
    def hr_creates_and_opens_a_cycle(self) -> None:
        page = self.page
        self.sign_in("ye.qing")
        page.goto("/cycles/new/")
        now = timezone.localtime()
        page.locator("#id_name").fill(CYCLE_NAME)
        page.locator("#id_template").select_option(
            str(ScorecardTemplate.objects.get(key="tob_saas").pk)
        )
        page.locator("#id_period_kind").select_option("quarter")
        page.locator("#id_period_start").fill("2027-01-01")
        page.locator("#id_period_end").fill("2027-03-31")
        for field_id, days in (
            ("self_assessment", 7),
            ("review", 14),
            ("calibration", 21),
            ("acknowledgement", 28),
        ):
            page.locator(f"#id_{field_id}_deadline").fill(
                (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")
            )
        self.look("cycle-new")
        page.locator("main form button[type=submit]").click()
        growth = self.people["chen.lin"].team_id
        page.locator(f'input[name="add-teams"][value="{growth}"]').check()
        page.locator('form[action$="/participants/add/"] button[type="submit"]').click()
        expect(page.locator("#progress tbody tr")).to_have_count(4)
        page.locator('form[action$="/open/"] button[type="submit"]').click()
        accept_confirmation(page)
        expect(page.locator("#cycle-phase")).to_have_text(t(self.language, "Self-assessment"))
        self.look("cycle-open")

    def pm_reports_rates_and_nominates(self) -> None:
        page = self.page
        review = self.review()
        self.sign_in("chen.lin")
        page.locator(f'a[href="/reviews/{review.pk}/self/"]').first.click()
        for item in review.cycle.kpi_items.select_related("kpi"):
            page.locator(f"#actual-{item.pk}").fill(ACTUALS[item.kpi.key])
            page.locator(f"#evidence-{item.pk}").fill("https://dashboards.example.com/q1")
        for index, item in enumerate(review.cycle.competency_items.all()):
            if index == 0:  # the keyboard alone: focus the first option, arrow to 4, space
                page.locator(f"#rating-{item.pk}-1").focus()
                for _ in range(3):
                    page.keyboard.press("ArrowRight")
                page.keyboard.press("Space")
                expect(page.locator(f"#rating-{item.pk}-4")).to_be_checked()
            else:
                page.locator(f"#rating-{item.pk}-4").check()
        page.locator("#strengths").fill("Shipped onboarding v2")
        page.locator("#gaps").fill("Specs came late twice")
        page.locator("#support_needed").fill("Analytics support")
        expect(page.locator("#save-status")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
        self.look("self-assessment")
        page.locator("#assessment-save").click()
        expect(page.get_by_role("alert").first).to_contain_text(t(self.language, "Draft saved."))
        page.goto(f"/reviews/{review.pk}/peers/")
        for username in PEERS:
            page.locator(f"#peer-{self.people[username].pk}").check()
        page.locator("#nominate-form button[type=submit]").click()
        expect(page.get_by_role("alert").first).to_contain_text(
            t(self.language, "Nominations sent to your leader for approval.")
        )
        self.look("peers-nominated")
        page.goto(f"/reviews/{review.pk}/self/")
        page.locator("#assessment-submit").click()
        accept_confirmation(page)
        expect(page.get_by_role("alert").first).to_contain_text(
            t(self.language, "Submitted. Thank you: your answers are now locked.")
        )

    def leader_approves_peers(self) -> None:
        page = self.page
        review = self.review()
        self.sign_in("zhou.min")
        page.locator(f'a[href="/reviews/{review.pk}/peers/"]').first.click()
        self.look("peers-approve")
        page.locator("#approve-form button[type=submit]").click()
        expect(page.get_by_role("alert").first).to_contain_text(
            t(self.language, "Peers approved: each was asked by e-mail.")
        )

    def hr_moves_to_review(self) -> None:
        page = self.page
        self.sign_in("ye.qing")
        page.goto(f"/cycles/{self.cycle().pk}/")
        expect(page.locator("#blockers")).to_be_visible()
        page.locator("#id_advance-override_blockers").check()
        page.locator('form[action$="/advance/"] button[type="submit"]').click()
        accept_confirmation(page)
        expect(page.locator("#cycle-phase")).to_have_text(t(self.language, "Review"))

    def peers_rate(self) -> None:
        page = self.page
        review = self.review()
        for value, username in zip(("3", "4", "5"), PEERS, strict=True):
            self.sign_in(username)
            page.locator('a[href^="/peer-requests/"]').first.click()
            for item in review.cycle.competency_items.all():
                page.locator(f"#rating-{item.pk}-{value}").check()
            page.locator("#comment").fill(f"Comment from a peer rating {value}")
            if username == PEERS[0]:
                self.look("peer-feedback")
            page.locator("#assessment-submit").click()
            accept_confirmation(page)
            expect(page.get_by_role("alert").first).to_contain_text(
                t(self.language, "Submitted. Thank you: your answers are now locked.")
            )

    def leader_verifies_rates_adjusts_and_submits(self) -> None:
        page = self.page
        review = self.review()
        self.sign_in("zhou.min")
        page.locator(f'a[href="/reviews/{review.pk}/lead/"]').first.click()
        # One form: every actual confirmed, the adjustment, the ratings and the words.
        for item in review.cycle.kpi_items.all():
            page.locator(f"#verify-{item.pk}-confirm").check()
        page.locator("#adjustment").fill("-2")
        page.locator("#adjustment_reason").fill("Two late requirement reversals")
        for item in review.cycle.competency_items.all():
            page.locator(f"#rating-{item.pk}-4").check()
        page.locator("#comment").fill("A solid quarter.")
        # Peers answered, but their mean waits for the review phase to end (README: peers
        # stay anonymous over time); the leader reads it from calibration on.
        expect(page.locator("#peers-withheld")).to_be_visible()
        for username in PEERS:
            expect(page.locator("main")).not_to_contain_text(self.people[username].name)
        self.look("leader-review")
        page.locator("#assessment-submit").click()
        accept_confirmation(page)
        expect(page.get_by_role("alert").first).to_contain_text(
            t(self.language, "Submitted. Thank you: your answers are now locked.")
        )

    def hr_computes_calibrates_and_publishes(self) -> None:
        page = self.page
        cycle = self.cycle()
        self.sign_in("ye.qing")
        page.goto(f"/cycles/{cycle.pk}/results/")
        page.locator('form[action*="/results/compute/"] button[type="submit"]').click()
        if self.has_worker:
            # A real worker: watch the bar while it runs, then the page reloads with results.
            expect(page.locator("#compute-progress [role=progressbar]")).to_be_visible()
            self.screenshot(f"{self.language}-computing")
            expect(page.locator("#compute-progress [role=progressbar]")).to_have_count(
                0, timeout=30_000
            )
        # In-process (no broker), the run is already done when the page comes back.
        expect(page.locator("#last-good-run")).to_contain_text(
            re.compile(r"\d{4}|\d+:\d\d"), timeout=30_000
        )
        expect(page.locator("#results-table tbody tr")).to_have_count(4)
        self.look("results")
        page.goto(f"/cycles/{cycle.pk}/")
        page.locator("#id_advance-override_blockers").check()
        page.locator('form[action$="/advance/"] button[type="submit"]').click()
        accept_confirmation(page)
        expect(page.locator("#cycle-phase")).to_have_text(t(self.language, "Calibration"))
        review = self.review()
        self.sign_in("zhou.min")
        page.goto(f"/reviews/{review.pk}/lead/")
        expect(
            page.locator(f"#context-{review.cycle.competency_items.first().pk}")
        ).to_contain_text("4 (")  # the peers' mean, without trailing zeros, now final
        self.sign_in("ye.qing")
        page.goto(f"/cycles/{cycle.pk}/results/")
        row = page.locator(
            "#results-table tbody tr",
            has=page.locator(f'form[action^="/reviews/{review.pk}/calibrate/"]'),
        )
        row.locator("select[name=grade]").select_option("A")
        row.locator("input[name=reason]").fill("Led the onboarding rebuild across teams")
        row.locator('form[action*="/calibrate/"] button[type="submit"]').click()
        expect(page.locator("#distribution-table")).to_be_visible()
        self.look("calibration")
        page.goto(f"/cycles/{cycle.pk}/")
        page.locator('form[action$="/advance/"] button[type="submit"]').click()
        accept_confirmation(page)
        expect(page.locator("#cycle-phase")).to_have_text(t(self.language, "Published"))

    def pm_reads_and_acknowledges(self) -> None:
        page = self.page
        review = self.review()
        self.sign_in("chen.lin")
        page.locator(f'a[href="/reviews/{review.pk}/result/"]').first.click()
        expect(page.locator("#grade")).to_have_text("A")
        expect(page.locator("#final-steps-list")).to_contain_text(
            t(self.language, "Rounded half-up to two decimals:")
        )
        for username in PEERS:
            expect(page.locator("main")).not_to_contain_text(self.people[username].name)
        self.look("result")
        page.locator("#ack-comment").fill("Fair result.")
        page.locator("section[aria-labelledby=ack-heading] button[type=submit]").click()
        expect(page.locator("#acknowledged")).to_contain_text("Fair result.")

    STEPS = (
        "hr_creates_and_opens_a_cycle",
        "pm_reports_rates_and_nominates",
        "leader_approves_peers",
        "hr_moves_to_review",
        "peers_rate",
        "leader_verifies_rates_adjusts_and_submits",
        "hr_computes_calibrates_and_publishes",
        "pm_reads_and_acknowledges",
    )


# --- the same states through the services, so each step can start on its own ----------------


def setup_until(step: str, people: dict[str, Person]) -> None:
    """Bring the journey's cycle to the state right before `step`, through the services."""
    order = Journey.STEPS
    done = order[: order.index(step)]
    if not done:
        return
    hr = people[HR]
    today = timezone.now().date()
    cycle = build_cycle(
        actor=hr,
        name=CYCLE_NAME,
        period=(today, today),
        days=7,
        pms=[p for p in people.values() if p.team.name == "Growth" and p.is_reviewed_pm],
        phase=Phase.SELF_ASSESSMENT,
    )
    review = cycle.reviews.get(person=people["chen.lin"])
    items = list(cycle.competency_items.all())
    if "pm_reports_rates_and_nominates" in done:
        services.peer_nominations_set(
            review=review, actor=review.person, peers=[people[n] for n in PEERS]
        )
        own = services.assessment_get_or_create(
            review=review, assessor=review.person, role=AssessmentRole.SELF
        )
        actuals = {
            item.pk: services.ActualInput(Decimal(ACTUALS[item.kpi.key]), "")
            for item in cycle.kpi_items.select_related("kpi")
        }
        services.assessment_save(
            assessment=own,
            actor=review.person,
            version=0,
            ratings={i.pk: 4 for i in items},
            actuals=actuals,
            submit=True,
        )
    if "leader_approves_peers" in done:
        services.peer_requests_approve(review=review, actor=review.leader, is_hr=False)
    if "hr_moves_to_review" in done:
        cycle = advance_to(cycle, Phase.REVIEW, actor=hr)
    if "peers_rate" in done:
        for value, name in zip((3, 4, 5), PEERS, strict=True):
            answer = services.assessment_get_or_create(
                review=review, assessor=people[name], role=AssessmentRole.PEER
            )
            services.assessment_save(
                assessment=answer,
                actor=people[name],
                version=0,
                ratings={i.pk: value for i in items},
                submit=True,
            )
    if "leader_verifies_rates_adjusts_and_submits" in done:
        mine = services.assessment_get_or_create(
            review=review, assessor=review.leader, role=AssessmentRole.LEADER
        )
        services.leader_review_save(
            assessment=mine,
            actor=review.leader,
            version=0,
            ratings={i.pk: 4 for i in items},
            verifications={
                actual.item_id: services.Verification("confirm", actual.version)
                for actual in review.actuals.all()
            },
            adjustment=services.Adjustment(Decimal(-2), "late reversals", review.version),
            submit=True,
        )
    if "hr_computes_calibrates_and_publishes" in done:
        cycle = advance_to(cycle, Phase.CALIBRATION, actor=hr)
        cycle_compute(cycle_id=cycle.pk)
        services.result_calibrate(review=review, actor=hr, grade="A", reason="cross-team work")
        cycle = services.cycle_advance(cycle=cycle, actor=hr)
        assert cycle.phase == Phase.PUBLISHED


# --- untranslated text --------------------------------------------------------------------------

ALLOWED_WORDS = {
    "OKR",
    "English",  # the language switcher names each language in itself
    "KPI",
    "KPIs",
    "PM",
    "PMs",
    "CSV",
    "XLSX",
    "JSON",
    "NPS",
    "MAU",
    "DAU",
    "ARPU",
    "HR",
    "URL",
    "OK",
    "ToB",
    "SaaS",
    "Journey",
    "Q1",
    "Q3",
    "Q4",
    "N/A",
    "u",
    "Q",
    "C",
    "Σ",
    "https",
    "dashboards",
    "example",
    "com",
}


def untranslated_text(page: Page) -> list[str]:
    """Visible text with English words left on a page shown in Chinese.

    Data is not interface text: names of people, teams, cycles and templates, usernames,
    user-typed comments and evidence are removed first; what remains with a word of three
    or more Latin letters (outside a short list of abbreviations) is reported."""

    data = sorted(
        {
            *Person.objects.values_list("name", flat=True),
            *Person.objects.values_list("user__username", flat=True),
            *Team.objects.values_list("name", flat=True),
            *CycleModel.objects.values_list("name", flat=True),
        },
        key=len,
        reverse=True,
    )
    typed = (
        "Shipped onboarding v2",
        "Specs came late twice",
        "Analytics support",
        "Comment from a peer rating",
        "Two late requirement reversals",
        "A solid quarter.",
        "Led the onboarding rebuild across teams",
        "Fair result.",
        "late reversals",
        "cross-team work",
    )
    leftovers = []
    for line in page.evaluate("() => document.body.innerText").splitlines():
        text = line
        for value in (*typed, *data):
            text = text.replace(value, " ")
        words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED_WORDS]
        if words:
            leftovers.append(line.strip())
    return leftovers
