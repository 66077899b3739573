from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/team/", views.team_cycle, name="team_cycle"),
    path("cycles/<int:pk>/actuals/", views.actuals_upload, name="actuals_upload"),
    path("cycles/<int:pk>/results/", views.cycle_results, name="cycle_results"),
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
    path("reviews/<int:pk>/peers/", views.peers, name="peers"),
    path("reviews/<int:pk>/lead/", views.leader_review, name="leader_review"),
    path("reviews/<int:pk>/audit/", views.review_audit, name="review_audit"),
    path("peer-requests/<int:pk>/", views.peer_request, name="peer_request"),
]
