"""Factories of what is measured (app `kpis`): the catalog and scorecard templates.

A template from `ScorecardTemplateFactory` is valid as the services check it (weights
summing to 100, grades, thresholds in order), so a cycle can open on it: the model's
default settings, the default grades, one KPI and one competency item of weight 100.
"""

from decimal import Decimal

import factory

from kpis.models import (
    Competency,
    Direction,
    GradeRule,
    GradingMode,
    Kpi,
    KpiCategory,
    ScorecardTemplate,
    TemplateCompetency,
    TemplateKpi,
    Unit,
)
from kpis.services import DEFAULT_GRADES


def _thresholds(direction: str) -> tuple[Decimal, Decimal, Decimal]:
    """Threshold, target and stretch in the order the direction asks
    (`template_kpi_thresholds_ordered`, the same on cycle items)."""
    low, middle, high = Decimal(10), Decimal(20), Decimal(30)
    return (low, middle, high) if direction == Direction.HIGHER else (high, middle, low)


class KpiFactory(factory.django.DjangoModelFactory):
    """A catalog KPI; an existing key is reused (catalog keys are unique)."""

    class Meta:
        model = Kpi
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"kpi-{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    category = KpiCategory.BUSINESS
    unit = Unit.COUNT
    direction = Direction.HIGHER
    definition = factory.LazyAttribute(lambda kpi: f"What {kpi.name} measures.")


class CompetencyFactory(factory.django.DjangoModelFactory):
    """A catalog competency; an existing key is reused."""

    class Meta:
        model = Competency
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"competency-{n}")
    name = factory.Sequence(lambda n: f"Competency {n}")
    description = factory.LazyAttribute(lambda competency: f"How {competency.name} shows.")
    anchors = factory.LazyAttribute(
        lambda competency: {
            "1": f"Rarely shows {competency.name}.",
            "3": f"Shows {competency.name} in their own work.",
            "5": f"Raises {competency.name} across teams.",
        }
    )


class ScorecardTemplateFactory(factory.django.DjangoModelFactory):
    """A valid template. `grades=False`, `kpi_item=None` or `competency_item=None` leave
    those out (to add your own); `grades=[(grade, floor, quota, bonus), ...]` sets them."""

    class Meta:
        model = ScorecardTemplate
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"template-{n}")
    name = factory.Sequence(lambda n: f"Template {n}")
    grading_mode = GradingMode.BANDS
    # Every other setting is the model's default (SCORING.md section 1), which satisfies
    # its constraints: scale 1-5, sections 60/40, sources 20/50/30, stretch cap 120.
    kpi_item = factory.RelatedFactory(
        "tests.factories.kpis.TemplateKpiFactory", factory_related_name="template"
    )
    competency_item = factory.RelatedFactory(
        "tests.factories.kpis.TemplateCompetencyFactory", factory_related_name="template"
    )

    @factory.post_generation
    def grades(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        for position, (grade, floor, quota, bonus) in enumerate(extracted or DEFAULT_GRADES):
            GradeRuleFactory(
                template=self,
                position=position,
                grade=grade,
                min_score=floor,
                quota=quota,
                bonus_multiplier=bonus,
            )


class GradeRuleFactory(factory.django.DjangoModelFactory):
    """One grade; on its own, the best grade of a template that has no other."""

    class Meta:
        model = GradeRule

    template = factory.SubFactory(ScorecardTemplateFactory, grades=False)
    position = 0
    grade = "S"
    min_score = Decimal(90)
    quota = Decimal(10)
    bonus_multiplier = Decimal("1.5")


class TemplateKpiFactory(factory.django.DjangoModelFactory):
    """A KPI item, its thresholds in the order of the KPI's direction. On its own it is
    the only KPI of its template (weight 100)."""

    class Meta:
        model = TemplateKpi

    template = factory.SubFactory(ScorecardTemplateFactory, kpi_item=None)
    kpi = factory.SubFactory(KpiFactory)
    position = 0
    direction = factory.SelfAttribute("kpi.direction")
    threshold = factory.LazyAttribute(lambda item: _thresholds(item.direction)[0])
    target = factory.LazyAttribute(lambda item: _thresholds(item.direction)[1])
    stretch = factory.LazyAttribute(lambda item: _thresholds(item.direction)[2])
    weight = Decimal(100)


class TemplateCompetencyFactory(factory.django.DjangoModelFactory):
    """A competency item; on its own, the only competency of its template (weight 100)."""

    class Meta:
        model = TemplateCompetency

    template = factory.SubFactory(ScorecardTemplateFactory, competency_item=None)
    competency = factory.SubFactory(CompetencyFactory)
    position = 0
    weight = Decimal(100)
