"""The page benchmark's server settings: production's, plus one URL of the benchmark's own
(bench/urls.py). Nothing else differs from what the product runs."""

from appraisal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
