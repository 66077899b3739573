from django.urls import path

from . import views

app_name = "growth"
urlpatterns = [
    path("reviews/<int:pk>/plan/", views.plan, name="plan"),
    path("reviews/<int:pk>/plan/save/", views.plan_save, name="plan_save"),
    path("reviews/<int:pk>/plan/previous/", views.previous_plan, name="previous_plan"),
    path(
        "reviews/<int:pk>/plan/previous/<int:action_pk>/progress/",
        views.progress_record,
        name="progress_record",
    ),
]
