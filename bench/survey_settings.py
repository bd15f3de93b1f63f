"""Settings for bench/survey_load.py only: production settings, the schema straight from the models (like the
tests' --nomigrations), and a URLconf with one extra bench-only view. Never used by the site itself."""
from gradingsite.settings import *  # noqa: F401,F403
from gradingsite.settings import INSTALLED_APPS

ROOT_URLCONF = "bench.survey_urls"
MIGRATION_MODULES = {label.rsplit(".", 1)[-1]: None for label in INSTALLED_APPS}
