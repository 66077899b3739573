"""The review cycle's pages, one module per noun; every view is here too, for the URLs."""

from .actuals import actuals_upload, actuals_upload_example
from .assessments import (
    peer_request,
    peer_request_decline,
    peer_request_save,
    peer_request_submit,
    self_assessment,
    self_assessment_save,
    self_assessment_submit,
)
from .audit import cycle_audit, review_audit
from .cycles import (
    cycle_advance,
    cycle_assessment_reopen,
    cycle_create,
    cycle_deadline_extend,
    cycle_detail,
    cycle_list,
    cycle_open,
    cycle_participant_remove,
    cycle_participants_add,
)
from .home import home, my_team, team_cycle
from .leader_review import leader_review, leader_review_save, leader_review_submit
from .peers import peers, peers_approve, peers_nominate
from .results import (
    cycle_results,
    cycle_results_compute,
    cycle_results_export,
    cycle_results_filter_options,
    cycle_results_progress,
    my_results,
    result_acknowledge,
    result_calibrate,
    result_detail,
    team_history,
)

__all__ = [
    "actuals_upload",
    "actuals_upload_example",
    "cycle_advance",
    "cycle_assessment_reopen",
    "cycle_audit",
    "cycle_create",
    "cycle_deadline_extend",
    "cycle_detail",
    "cycle_list",
    "cycle_open",
    "cycle_participant_remove",
    "cycle_participants_add",
    "cycle_results",
    "cycle_results_compute",
    "cycle_results_export",
    "cycle_results_filter_options",
    "cycle_results_progress",
    "home",
    "leader_review",
    "leader_review_save",
    "leader_review_submit",
    "my_results",
    "my_team",
    "peer_request",
    "peer_request_decline",
    "peer_request_save",
    "peer_request_submit",
    "peers",
    "peers_approve",
    "peers_nominate",
    "result_acknowledge",
    "result_calibrate",
    "result_detail",
    "review_audit",
    "self_assessment",
    "self_assessment_save",
    "self_assessment_submit",
    "team_cycle",
    "team_history",
]
