from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        # The services send the computation task by its registered name (reviews.tasks
        # imports the services, so they cannot import it); registering it here means every
        # process knows the name, and an eager run stays eager.
        from reviews import tasks  # noqa: F401, PLC0415 - imported to register the tasks
