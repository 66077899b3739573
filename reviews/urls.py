from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path(
        "cycles/<int:pk>/participants/add/",
        views.cycle_participants_add,
        name="cycle_participants_add",
    ),
    path(
        "cycles/<int:pk>/participants/<int:review_pk>/remove/",
        views.cycle_participant_remove,
        name="cycle_participant_remove",
    ),
    path("cycles/<int:pk>/open/", views.cycle_open, name="cycle_open"),
    path("cycles/<int:pk>/advance/", views.cycle_advance, name="cycle_advance"),
    path("cycles/<int:pk>/deadline/", views.cycle_deadline_extend, name="cycle_deadline_extend"),
    path("cycles/<int:pk>/reopen/", views.cycle_assessment_reopen, name="cycle_assessment_reopen"),
    path("cycles/<int:pk>/team/", views.team_cycle, name="team_cycle"),
    path("cycles/<int:pk>/actuals/", views.actuals_upload, name="actuals_upload"),
    path(
        "cycles/<int:pk>/actuals/example.csv",
        views.actuals_upload_example,
        {"file_format": "csv"},
        name="actuals_upload_example_csv",
    ),
    path(
        "cycles/<int:pk>/actuals/example.xlsx",
        views.actuals_upload_example,
        {"file_format": "xlsx"},
        name="actuals_upload_example_xlsx",
    ),
    path("cycles/<int:pk>/results/", views.cycle_results, name="cycle_results"),
    path(
        "cycles/<int:pk>/results/compute/",
        views.cycle_results_compute,
        name="cycle_results_compute",
    ),
    path("reviews/<int:pk>/calibrate/", views.result_calibrate, name="result_calibrate"),
    path("reviews/<int:pk>/acknowledge/", views.result_acknowledge, name="result_acknowledge"),
    path(
        "cycles/<int:pk>/results/filter/<str:kind>/",
        views.cycle_results_filter_options,
        name="cycle_results_filter_options",
    ),
    path(
        "cycles/<int:pk>/results/progress/",
        views.cycle_results_progress,
        name="cycle_results_progress",
    ),
    path(
        "cycles/<int:pk>/results/export.<str:kind>",
        views.cycle_results_export,
        name="cycle_results_export",
    ),
    path("reviews/<int:pk>/result/", views.result_detail, name="result_detail"),
    path("my/results/", views.my_results, name="my_results"),
    path("team/history/", views.team_history, name="team_history"),
    path("reviews/<int:pk>/self/", views.self_assessment, name="self_assessment"),
    path("reviews/<int:pk>/self/save/", views.self_assessment_save, name="self_assessment_save"),
    path(
        "reviews/<int:pk>/self/submit/",
        views.self_assessment_submit,
        name="self_assessment_submit",
    ),
    path("reviews/<int:pk>/peers/", views.peers, name="peers"),
    path("reviews/<int:pk>/peers/nominate/", views.peers_nominate, name="peers_nominate"),
    path("reviews/<int:pk>/peers/approve/", views.peers_approve, name="peers_approve"),
    path("reviews/<int:pk>/lead/", views.leader_review, name="leader_review"),
    path("reviews/<int:pk>/lead/save/", views.leader_review_save, name="leader_review_save"),
    path("reviews/<int:pk>/lead/submit/", views.leader_review_submit, name="leader_review_submit"),
    path("reviews/<int:pk>/audit/", views.review_audit, name="review_audit"),
    path("cycles/<int:pk>/audit/", views.cycle_audit, name="cycle_audit"),
    path("peer-requests/<int:pk>/", views.peer_request, name="peer_request"),
    path("peer-requests/<int:pk>/save/", views.peer_request_save, name="peer_request_save"),
    path("peer-requests/<int:pk>/submit/", views.peer_request_submit, name="peer_request_submit"),
    path(
        "peer-requests/<int:pk>/decline/", views.peer_request_decline, name="peer_request_decline"
    ),
]
