from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from appraisal.demo import DEMO_PASSWORD, seed_organisation


class Command(BaseCommand):
    help = "Create the demo company (idempotent) and print its sign-in names and password."

    def handle(self, *args, **options):
        accounts = seed_organisation()
        self.stdout.write(self.style.SUCCESS(_("Demo company ready.")))
        width = max(len(account.username) for account in accounts)
        self.stdout.write(f"{_('Sign-in name'):<{width}}  {_('Role')}")
        for account in accounts:
            self.stdout.write(f"{account.username:<{width}}  {account.role} ({account.name})")
        self.stdout.write(
            _("Password for every demo account: %(password)s") % {"password": DEMO_PASSWORD}
        )
