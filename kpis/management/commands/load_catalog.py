from django.core.management.base import BaseCommand

from kpis.services import catalog_load


class Command(BaseCommand):
    help = (
        "Load the shipped KPI catalog, competencies and starter scorecard templates "
        "(idempotent; templates an admin edited are never overwritten)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Overwrite the text of existing KPIs and competencies with the shipped text.",
        )

    def handle(self, *args, refresh: bool = False, **options):
        summary = catalog_load(refresh=refresh)
        self.stdout.write(
            f"KPIs: {summary.kpis}, competencies: {summary.competencies}, "
            f"templates created: {', '.join(summary.templates_created) or 'none'}"
        )
