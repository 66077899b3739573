from django.contrib import admin
from django.urls import include, path

from . import views

# The project's URLs. "My tasks" (home) is in reviews.urls: reviews knows every kind of task.
urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    path("", include("reviews.home_urls")),
    path("", include("reviews.urls")),
    path("", include("growth.urls")),
    path("people/", views.people_list, name="people_list"),
    path("people/import/", views.people_import, name="people_import"),
    path("people/import/example/", views.people_import_example, name="people_import_example"),
    path("", include("kpis.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
