from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppraisalConfig(AppConfig):
    name = "appraisal"
    verbose_name = _("Organisation")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import fragments

        # Every connection reports its writes to the cached page parts (fragments.py).
        connection_created.connect(fragments.install, dispatch_uid="fragments.install")
