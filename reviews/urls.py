from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/team/", views.team_cycle, name="team_cycle"),
    path("cycles/<int:pk>/actuals/", views.actuals_upload, name="actuals_upload"),
    path("reviews/<int:pk>/self/", views.self_assessment, name="self_assessment"),
    path("reviews/<int:pk>/peers/", views.peers, name="peers"),
    path("reviews/<int:pk>/lead/", views.leader_review, name="leader_review"),
    path("reviews/<int:pk>/audit/", views.review_audit, name="review_audit"),
    path("peer-requests/<int:pk>/", views.peer_request, name="peer_request"),
]
