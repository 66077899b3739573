"""The project's home page, "My tasks", named "home" outside the reviews namespace."""

from django.urls import path

from . import views

urlpatterns = [path("", views.home, name="home")]
