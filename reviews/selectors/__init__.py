"""Reads of review cycles, scoped to what the asking user may see, in a fixed number of
queries whatever the number of PMs. One module per noun; every public name is here too,
so `from reviews import selectors; selectors.cycle_get(...)` reads any of them."""

from reviews.audit import review_audit

from .assessments import actuals_by_item, cycle_items, ratings_by_item
from .cycles import (
    cycle_get,
    cycle_list,
    cycle_phase_changes,
    cycle_review_get,
    cycles_led_by,
    is_leader_in_cycle,
    team_cycle_get,
)
from .peers import PeerAggregate, peer_aggregates, peer_request_get
from .results import (
    EXPLANATION_CACHE_SECONDS,
    RESULT_SORTS,
    GradeShare,
    computation_jobs,
    cycle_leaders,
    cycle_results,
    cycle_teams,
    effective_grade,
    explained_result,
    flag_labels,
    flag_texts,
    grade_distribution,
    item_names,
    items_by_key,
    result_history,
    result_page_review_get,
    results_page,
    team_history,
)
from .reviews import review_get, review_progress_list, review_progress_page
from .tasks import Task, person_tasks

__all__ = [
    "EXPLANATION_CACHE_SECONDS",
    "RESULT_SORTS",
    "GradeShare",
    "PeerAggregate",
    "Task",
    "actuals_by_item",
    "computation_jobs",
    "cycle_get",
    "cycle_items",
    "cycle_leaders",
    "cycle_list",
    "cycle_phase_changes",
    "cycle_results",
    "cycle_review_get",
    "cycle_teams",
    "cycles_led_by",
    "effective_grade",
    "explained_result",
    "flag_labels",
    "flag_texts",
    "grade_distribution",
    "is_leader_in_cycle",
    "item_names",
    "items_by_key",
    "peer_aggregates",
    "peer_request_get",
    "person_tasks",
    "ratings_by_item",
    "result_history",
    "result_page_review_get",
    "results_page",
    "review_audit",
    "review_get",
    "review_progress_list",
    "review_progress_page",
    "team_cycle_get",
    "team_history",
]
