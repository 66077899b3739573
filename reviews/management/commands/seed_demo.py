from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from appraisal.demo import DEMO_PASSWORD, seed_organisation
from kpis.models import ScorecardTemplate
from kpis.services import catalog_load
from reviews.demo import seed_cycles


class Command(BaseCommand):
    help = "Create the demo company (idempotent) and print its sign-in names and password."

    def handle(self, *args, **options):
        if not settings.DEMO_SEED_ALLOWED:
            raise CommandError(
                _(
                    "The demo company has a published password and is refused here "
                    "(DJANGO_DEMO_SEED_ALLOWED is off)."
                )
            )
        # The demo's own "cycle opened" and "feedback requested" e-mails are not printed.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            accounts = seed_organisation()
            catalog = catalog_load()
            cycles = seed_cycles()
        self.stdout.write(
            _(
                "Catalog: %(kpis)s KPIs, %(competencies)s competencies, "
                "%(templates)s scorecard templates."
            )
            % {
                "kpis": catalog.kpis,
                "competencies": catalog.competencies,
                "templates": ScorecardTemplate.objects.count(),
            }
        )
        if cycles:
            self.stdout.write(_("Review cycles created: %(names)s") % {"names": "; ".join(cycles)})
        self.stdout.write(self.style.SUCCESS(_("Demo company ready.")))
        width = max(len(account.username) for account in accounts)
        self.stdout.write(f"{_('Sign-in name'):<{width}}  {_('Role')}")
        for account in accounts:
            self.stdout.write(f"{account.username:<{width}}  {account.role} ({account.name})")
        self.stdout.write(
            _("Password for every demo account: %(password)s") % {"password": DEMO_PASSWORD}
        )
