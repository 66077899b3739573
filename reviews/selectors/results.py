"""Reads of computed results: the calibration table, the grade distribution, a PM's
explained result and history."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.paginator import Page
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from appraisal.models import Person, Team
from reviews import formulas, permissions
from reviews.explanations import unpack
from reviews.models import (
    Calibration,
    ComputationJob,
    Cycle,
    CycleCompetency,
    CycleKpi,
    JobStatus,
    Result,
    Review,
)
from reviews.selectors.reviews import cut_then_load


def computation_job_get(*, pk: int) -> ComputationJob:
    """A computation job as it stands now (a request that queued one reads back whether it
    already ran: tasks run in-process under the embedded default)."""
    return ComputationJob.objects.get(pk=pk)


def computation_jobs(*, cycle: Cycle) -> tuple[ComputationJob | None, ComputationJob | None]:
    """The cycle's newest computation job and its last good one, as the results page and
    its progress bar show them."""
    return (
        ComputationJob.objects.filter(cycle=cycle).first(),
        ComputationJob.objects.filter(cycle=cycle, status=JobStatus.SUCCEEDED)
        .order_by("-finished_at")
        .first(),
    )


def result_page_review_get(*, user, pk: int) -> Review:
    """The review behind a result page, with its cycle, people and team, its result,
    calibration and acknowledgement (a missing one reads as None through `getattr`); 404
    when there is no result or the user may not see it (`permissions.can_view_result`,
    which admits no one `visible_reviews_filter` refuses). Small queries, not one join:
    PostgreSQL plans an 8-relation join in 3 to 5 ms (bench/RESULTS.md)."""
    review = (
        Review.objects.select_related("cycle", "person", "leader", "team").filter(pk=pk).first()
    )
    result = getattr(review, "result", None) if review is not None else None
    if result is None or not permissions.can_view_result(user, review):
        raise Http404
    result.cycle = review.cycle
    return review


RESULT_SORTS = {
    "rank": ("rank", "review__person__name"),
    "-rank": ("-rank", "review__person__name"),
    "name": ("review__person__name",),
    "-name": ("-review__person__name",),
    "team": ("review__team__name", "rank"),
    "-team": ("-review__team__name", "rank"),
    "score": ("final_score", "review__person__name"),
    "-score": ("-final_score", "review__person__name"),
    "grade": ("grade", "rank"),
    "-grade": ("-grade", "rank"),
}


def cycle_results(
    *, cycle: Cycle, team_id: int | None = None, leader_id: int | None = None, sort: str = "rank"
):
    """The cycle's results with person, team, leader and calibration: one query."""

    results = Result.objects.filter(cycle=cycle).select_related(
        "review__person",
        "review__team",
        "review__leader",
        "review__calibration",
        "review__acknowledgement",
    )
    if team_id:
        results = results.filter(review__team_id=team_id)
    if leader_id:
        results = results.filter(review__leader_id=leader_id)
    return results.order_by(*RESULT_SORTS.get(sort, RESULT_SORTS["rank"]))


def items_by_key(cycle: Cycle) -> tuple[dict[str, CycleKpi], dict[str, CycleCompetency]]:
    """The cycle's KPI and competency items by the keys the engine used (their ids)."""
    return (
        {str(item.pk): item for item in cycle.kpi_items.select_related("kpi")},
        {str(item.pk): item for item in cycle.competency_items.select_related("competency")},
    )


def results_page(
    *,
    cycle: Cycle,
    number,
    per_page: int,
    team_id: int | None = None,
    leader_id: int | None = None,
    sort: str = "rank",
) -> Page:
    """One page of cycle_results, without the explanations (the table does not show them).
    The results are sorted and cut first, in a subquery joined only to what the sort and
    the filters need, so person, team, leader, calibration and acknowledgement are joined
    for the shown rows only, on any page."""

    # The default order is the one each result's position keeps (the computation writes it):
    # a page is read from the (cycle, position) index, not cut from every result sorted.
    if sort not in RESULT_SORTS:
        sort = "rank"
    order = ("position", "pk") if sort == "rank" else (*RESULT_SORTS[sort], "pk")
    plain = Result.objects.filter(cycle=cycle)
    if team_id:
        plain = plain.filter(review__team_id=team_id)
    if leader_id:
        plain = plain.filter(review__leader_id=leader_id)
    return cut_then_load(
        plain.order_by(*order),
        number,
        per_page,
        Result.objects.filter(cycle=cycle)
        # What the table shows: no acknowledgement, no explanation (4 KiB of JSON each).
        .select_related("review__person", "review__team", "review__leader", "review__calibration")
        .defer("explanation"),
    )


def cycle_teams(*, cycle: Cycle) -> QuerySet:
    """The teams of the cycle's reviews, by name, for the results filter: (pk, name).
    A semi-join (EXISTS), not a DISTINCT over every review joined to its team."""
    return (
        Team.objects.filter(Exists(Review.objects.filter(cycle=cycle, team=OuterRef("pk"))))
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def cycle_leaders(*, cycle: Cycle) -> QuerySet:
    """The leaders of the cycle's reviews, by name, for the results filter: (pk, name).
    A semi-join (EXISTS), not a DISTINCT over every review joined to its leader."""
    return (
        Person.objects.filter(Exists(Review.objects.filter(cycle=cycle, leader=OuterRef("pk"))))
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


@dataclass(frozen=True)
class ItemNames:
    """Names of a cycle's scorecard items by the keys the engine used (their ids), one
    table per kind: a KPI item and a competency item can have the same id."""

    kpis: dict[str, str]
    competencies: dict[str, str]


def item_names(cycle: Cycle, *, items: tuple[dict, dict] | None = None) -> ItemNames:
    """`items`: what items_by_key(cycle) returned, when the caller has it already."""
    kpi_items, competency_items = items or items_by_key(cycle)
    return ItemNames(
        kpis={key: str(item.kpi) for key, item in kpi_items.items()},
        competencies={key: str(item.competency) for key, item in competency_items.items()},
    )


# Which kind of item each flag of SCORING.md names.
KPI_FLAGS = frozenset({"missing", "excused"})


def flag_texts() -> tuple[dict[str, str], dict[str, str]]:
    """The texts of flag_labels in the active language: (by kind of flag, by section)."""
    kinds = {
        "missing": _("missing actual: %(item)s"),
        "excused": _("excused: %(item)s"),
        "no_source": _("no rating: %(item)s"),
        "peer_below_minimum": _("too few peers: %(item)s"),
        "section_dropped": _("section left out: %(item)s"),
    }
    return kinds, {"kpi": _("KPIs"), "competency": _("Competencies")}


def flag_labels(
    flags: list[str], names: ItemNames, *, texts: tuple[dict, dict] | None = None
) -> list[str]:
    """SCORING.md's flags ("missing:12") in words, naming the item: a KPI for a missing or
    excused actual, a competency otherwise. `texts`: what flag_texts() returned, when
    labelling many results (translated once, not per row)."""
    kinds, sections = texts or flag_texts()
    labels = []
    for flag in flags:
        kind, _separator, key = flag.partition(":")
        if kind == "section_dropped":
            item = sections.get(key)
        else:
            table = names.kpis if kind in KPI_FLAGS else names.competencies
            item = table.get(key, key)
        labels.append(kinds.get(kind, "%(item)s") % {"item": item})
    return labels


def effective_grade(result) -> str:
    calibration = getattr(result.review, "calibration", None)
    return calibration.grade if calibration is not None else result.grade


@dataclass(frozen=True)
class GradeShare:
    grade: str
    count: int
    percent: Decimal
    quota: Decimal | None
    is_over_quota: bool


def grade_distribution(*, cycle: Cycle) -> list[GradeShare]:
    """Effective grades (after calibration) against the cycle's quotas, best first."""

    quotas = cycle.scoring_card.grading.quotas
    grades = cycle.grades
    counts = dict.fromkeys(grades, 0)
    total = 0
    # Counted in the database: one row per effective grade, whatever the number of PMs.
    # The calibration is joined on the result's own review id, which the ORM would join
    # through the review: so the results are read from the (cycle, grade, review) index
    # alone, not from their wide rows (3 ms against 6 to 11 at 10,000 PMs).
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(c.grade, r.grade), COUNT(*) FROM {quote(Result._meta.db_table)} r "  # noqa: S608 (names)
            f"LEFT JOIN {quote(Calibration._meta.db_table)} c ON c.review_id = r.review_id "
            "WHERE r.cycle_id = %s AND r.grade <> '' GROUP BY 1",
            [cycle.pk],
        )
        effective = cursor.fetchall()
    for grade, count in effective:
        counts[grade] = counts.get(grade, 0) + count
        total += count
    shares = []
    for grade, count in counts.items():
        percent = (
            (Decimal(100) * count / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if total
            else Decimal(0)
        )
        quota = quotas.get(grade)
        shares.append(
            GradeShare(
                grade, count, percent, quota, quota is not None and total and percent > quota
            )
        )
    return shares


def result_history(*, person: Person):
    """A PM's published results across cycles, oldest first (for the trend)."""

    return (
        Result.objects.filter(
            review__person=person, cycle__phase__in=list(permissions.RESULTS_VISIBLE_PHASES)
        )
        .select_related("cycle", "review__calibration")
        .order_by("cycle__period_start", "cycle__pk")
    )


def team_history(*, leader: Person):
    """Published results of a leader's reports across cycles, by cycle then rank."""

    return (
        Result.objects.filter(
            review__leader=leader, cycle__phase__in=list(permissions.RESULTS_VISIBLE_PHASES)
        )
        .select_related("cycle", "review__person", "review__calibration")
        .order_by("cycle__period_start", "cycle__pk", "team_rank")
    )


def explained_result(*, review: Review, result, items: tuple[dict, dict] | None = None) -> dict:
    """The stored explanation with names, ready for the result page and its charts.
    `items`: what items_by_key(review.cycle) returned, when the caller has it already.

    Peer input appears only as the mean the explanation used (absent when fewer than the
    minimum answered), never as individual ratings.

    Cached under the result's digest, which changes whenever the computation writes other
    values (the explanation included), and the language of the names: a key that cannot
    go stale. The timeout only bounds how long a renamed catalog KPI keeps its old name."""
    key = f"explained-result:{EXPLANATION_SHAPE}:{result.pk}:{result.digest}:{get_language()}"
    if not result.digest:
        return _explained_result(review=review, result=result, items=items)
    return cache.get_or_set(
        key,
        lambda: _explained_result(review=review, result=result, items=items),
        EXPLANATION_CACHE_SECONDS,
    )


EXPLANATION_CACHE_SECONDS = 24 * 3600
# Bumped when the explained result changes shape (2: formulas in words), so a page never
# reads a cached entry written by older code.
EXPLANATION_SHAPE = 2


def _explained_result(*, review: Review, result, items: tuple[dict, dict] | None) -> dict:
    kpi_items, competency_items = items or items_by_key(review.cycle)
    x = unpack(result.explanation, kpi_items=kpi_items, competency_items=competency_items)
    scale = review.cycle.scoring_card.scale
    kpis = []
    for step in x.get("kpis", []):
        item = kpi_items.get(step["key"])
        kpis.append(
            {
                **step,
                "name": item.kpi.localized_name if item else step["key"],
                "unit": item.kpi.get_unit_display() if item else "",
            }
        )
        kpis[-1]["formula"] = formulas.kpi_formula(kpis[-1], x.get("stretch_cap"))
    source_labels = {"self": _("Self"), "leader": _("Leader"), "peer": _("Peers (mean)")}
    competencies = []
    radar = {"labels": [], "self": [], "leader": [], "peer": []}
    for step in x.get("competencies", []):
        item = competency_items.get(step["key"])
        name = item.competency.localized_name if item else step["key"]
        sources = [
            {
                **source,
                "label": source_labels.get(source["source"], source["source"]),
                "words": "" if source["is_present"] else formulas.source_words(source),
                "formula": formulas.normalised_formula(
                    source["rating"], source["normalised"], scale
                )
                if source["is_present"]
                else "",
            }
            for source in step["sources"]
        ]
        competencies.append(
            {
                **step,
                "name": name,
                "sources": sources,
                "formula": formulas.weighted_mean(
                    [(s["weight"], s["normalised"]) for s in step["sources"] if s["is_present"]],
                    step.get("score"),
                ),
            }
        )
        by_source = {source["source"]: source for source in step["sources"]}
        radar["labels"].append(name)
        for key in ("self", "leader", "peer"):
            source = by_source.get(key)
            rating = (
                source.get("rating")
                if source and (key != "peer" or source.get("is_present"))
                else None
            )
            radar[key].append(_chart_value(rating))
    attainment = {
        "labels": [row["name"] for row in kpis],
        "points": [_chart_value(row.get("points")) for row in kpis],
    }
    explained = {
        "kpis": kpis,
        "competencies": competencies,
        "kpi_section": x.get("kpi_section", {}),
        "competency_section": x.get("competency_section", {}),
        "weighted_score": x.get("weighted_score"),
        "adjustment": x.get("adjustment"),
        "adjustment_reason": x.get("adjustment_reason", ""),
        "unclamped_score": x.get("unclamped_score"),
        "is_clamped": x.get("is_clamped"),
        "stretch_cap": x.get("stretch_cap"),
        "unrounded_final": x.get("unrounded_final"),
        "final_score": x.get("final_score"),
        "scale": scale,
        "min_peers": review.cycle.scoring_card.min_peer_responses,
        "radar": radar,
        "attainment": attainment,
    }
    explained["kpi_section"] = {
        **explained["kpi_section"],
        "formula": formulas.weighted_mean(
            [(row["weight"], row["points"]) for row in kpis if row["status"] != "excused"],
            explained["kpi_section"].get("score"),
        ),
    }
    explained["competency_section"] = {
        **explained["competency_section"],
        "formula": formulas.weighted_mean(
            [(row["weight"], row["score"]) for row in competencies if row["score"] is not None],
            explained["competency_section"].get("score"),
        ),
    }
    explained["formulas"] = formulas.final_formulas(explained)
    return explained


def _chart_value(value) -> float | None:
    """A chart's figure, two decimals like the tables (its tooltip shows it as it is)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
