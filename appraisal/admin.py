from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Person, Team


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "function"]
    list_filter = ["function"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "employee_id", "title", "team", "leader", "is_reviewed_pm"]
    list_filter = ["team__function", "team", "is_reviewed_pm"]
    search_fields = ["name", "employee_id", "user__username", "user__email"]
    list_select_related = ["team", "leader", "user"]
    autocomplete_fields = ["user", "leader", "team"]
