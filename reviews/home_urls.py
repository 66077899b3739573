"""Pages named outside the reviews namespace: "My tasks" (home) and "My team"."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.my_team, name="my_team"),
]
