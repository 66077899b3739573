from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("team/", views.my_team, name="my_team"),
    path("people/", views.people_list, name="people_list"),
    path("people/import/", views.people_import, name="people_import"),
    path("", include("kpis.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
