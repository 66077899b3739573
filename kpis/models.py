"""What is measured: the KPI catalog, competencies, and scorecard templates.

A scorecard template (a "culture profile") holds every setting of SCORING.md section 1 and
its weighted items. What a single row can enforce, the database enforces (CheckConstraint);
rules across rows (item weights summing to 100) are validated by `kpis.services`, which
refuses a template breaking them with a message naming the item.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

WEIGHT = {"max_digits": 6, "decimal_places": 2}
MEASURE = {"max_digits": 16, "decimal_places": 4}


class BilingualName(models.Model):
    """Catalog entries carry their own English and Simplified Chinese text."""

    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        if (get_language() or "").startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class KpiCategory(models.TextChoices):
    BUSINESS = "business", _("Business performance")
    USAGE = "usage", _("Product usage")
    DEVELOPMENT = "development", _("Development")
    QUALITY = "quality", _("Quality")
    EFFICIENCY = "efficiency", _("Efficiency")


class Unit(models.TextChoices):
    CURRENCY = "currency", _("Currency")
    PERCENT = "percent", _("Percent")
    COUNT = "count", _("Count")
    DAYS = "days", _("Days")
    RATIO = "ratio", _("Ratio")
    SCORE = "score", _("Score")


class Kpi(BilingualName):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=KpiCategory.choices)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    definition = models.TextField(_("definition"))
    definition_zh = models.TextField(_("definition (Chinese)"), blank=True)
    formula = models.CharField(_("formula"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPI catalog")

    @property
    def localized_definition(self) -> str:
        if (get_language() or "").startswith("zh") and self.definition_zh:
            return self.definition_zh
        return self.definition


class Competency(BilingualName):
    """A subjective item rated by self, leader and peers, with behavioural anchors.

    `anchors` maps a level of the rating scale ("1", "3", "5") to what that level looks like.
    """

    key = models.SlugField(_("key"), max_length=80, unique=True)
    description = models.TextField(_("description"))
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    anchors = models.JSONField(_("behavioural anchors"), default=dict)
    anchors_zh = models.JSONField(_("behavioural anchors (Chinese)"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")

    @property
    def localized_description(self) -> str:
        if (get_language() or "").startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description

    @property
    def localized_anchors(self) -> dict[str, str]:
        if (get_language() or "").startswith("zh") and self.anchors_zh:
            return self.anchors_zh
        return self.anchors


class GradingMode(models.TextChoices):
    BANDS = "bands", _("Bands (score thresholds)")
    FORCED = "forced", _("Forced distribution (quotas)")


class ScorecardTemplate(BilingualName):
    """A culture profile: settings of SCORING.md section 1 and weighted items."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones"
    )
    scale_lo = models.PositiveSmallIntegerField(_("lowest rating"), default=1)
    scale_hi = models.PositiveSmallIntegerField(_("highest rating"), default=5)
    kpi_section_weight = models.DecimalField(_("KPI section weight"), default=Decimal(60), **WEIGHT)
    competency_section_weight = models.DecimalField(
        _("competency section weight"), default=Decimal(40), **WEIGHT
    )
    self_weight = models.DecimalField(_("self weight"), default=Decimal(20), **WEIGHT)
    leader_weight = models.DecimalField(_("leader weight"), default=Decimal(50), **WEIGHT)
    peer_weight = models.DecimalField(_("peer weight"), default=Decimal(30), **WEIGHT)
    min_peer_responses = models.PositiveSmallIntegerField(_("minimum peer responses"), default=3)
    stretch_cap = models.DecimalField(_("stretch cap"), default=Decimal(120), **WEIGHT)
    max_adjustment = models.DecimalField(
        _("maximum leader adjustment"), default=Decimal(10), **WEIGHT
    )
    grading_mode = models.CharField(
        _("grading"), max_length=10, choices=GradingMode.choices, default=GradingMode.BANDS
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Bumped by every save of the editor, which posts the version it was read at: of two
    # admins editing one template, the second is refused instead of overwriting the first.
    version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("scorecard template")
        verbose_name_plural = _("scorecard templates")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_lo__lt=F("scale_hi")), name="template_scale_ordered"
            ),
            models.CheckConstraint(
                condition=Q(kpi_section_weight__gte=0)
                & Q(competency_section_weight__gte=0)
                & Q(kpi_section_weight=Decimal(100) - F("competency_section_weight")),
                name="template_section_weights_sum_100",
            ),
            models.CheckConstraint(
                condition=Q(self_weight__gte=0)
                & Q(leader_weight__gte=0)
                & Q(peer_weight__gte=0)
                & Q(self_weight=Decimal(100) - F("leader_weight") - F("peer_weight")),
                name="template_source_weights_sum_100",
            ),
            models.CheckConstraint(
                condition=Q(stretch_cap__gte=100), name="template_stretch_cap_at_least_100"
            ),
            models.CheckConstraint(
                condition=Q(max_adjustment__gte=0), name="template_max_adjustment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_peer_responses__gte=1), name="template_min_peer_at_least_1"
            ),
        ]


class GradeRule(models.Model):
    """One grade of a template, best first: its band floor, its quota, its bonus multiplier."""

    template = models.ForeignKey(ScorecardTemplate, on_delete=models.CASCADE, related_name="grades")
    position = models.PositiveSmallIntegerField(_("position"))
    grade = models.CharField(_("grade"), max_length=8)
    min_score = models.DecimalField(_("band: lowest score"), **WEIGHT)
    quota = models.DecimalField(_("forced distribution quota (%)"), **WEIGHT)
    bonus_multiplier = models.DecimalField(_("bonus multiplier"), max_digits=5, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "grade"], name="grade_unique_per_template"),
            models.UniqueConstraint(fields=["template", "position"], name="grade_position_unique"),
            models.CheckConstraint(
                condition=Q(quota__gte=0) & Q(quota__lte=100), name="grade_quota_0_100"
            ),
            models.CheckConstraint(
                condition=Q(min_score__gte=0), name="grade_min_score_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(bonus_multiplier__gte=0), name="grade_bonus_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.grade


class TemplateKpi(models.Model):
    """A KPI on a template, measured against threshold T0, target T1 and optional stretch T2.

    `direction` is copied from the catalog so the database can check the ordering of the
    thresholds on the row itself.
    """

    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.CASCADE, related_name="kpi_items"
    )
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="template_items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    threshold = models.DecimalField(_("threshold"), **MEASURE)
    target = models.DecimalField(_("target"), **MEASURE)
    stretch = models.DecimalField(_("stretch"), null=True, blank=True, **MEASURE)
    weight = models.DecimalField(_("weight"), **WEIGHT)

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "kpi"], name="template_kpi_once"),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100), name="template_kpi_weight_range"
            ),
            models.CheckConstraint(
                condition=(
                    Q(direction=Direction.HIGHER)
                    & Q(threshold__lt=F("target"))
                    & (Q(stretch__isnull=True) | Q(stretch__gt=F("target")))
                )
                | (
                    Q(direction=Direction.LOWER)
                    & Q(threshold__gt=F("target"))
                    & (Q(stretch__isnull=True) | Q(stretch__lt=F("target")))
                ),
                name="template_kpi_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.key}: {self.kpi.key}"


class TemplateCompetency(models.Model):
    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.CASCADE, related_name="competency_items"
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="template_items"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    weight = models.DecimalField(_("weight"), **WEIGHT)

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "competency"], name="template_competency_once"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100),
                name="template_competency_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.key}: {self.competency.key}"
