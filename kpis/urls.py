from django.urls import path

from . import views

app_name = "kpis"
urlpatterns = [
    path("scorecards/", views.template_list, name="template_list"),
    path("scorecards/import/", views.template_import, name="template_import"),
    path(
        "scorecards/import/example/",
        views.template_import_example,
        name="template_import_example",
    ),
    path("scorecards/<int:pk>/", views.template_edit, name="template_edit"),
    path("scorecards/<int:pk>/preview/", views.template_preview, name="template_preview"),
    path("scorecards/<int:pk>/clone/", views.template_clone, name="template_clone"),
    path("scorecards/<int:pk>/export/", views.template_export, name="template_export"),
    path("catalog/kpis/", views.kpi_list, name="kpi_list"),
    path("catalog/competencies/", views.competency_list, name="competency_list"),
]
