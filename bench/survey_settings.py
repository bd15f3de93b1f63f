"""Settings for bench/survey_load.py only: the production settings (and, through migrate, the production schema
with its table options) plus a URLconf with one extra bench-only view. Never used by the site itself."""
from gradingsite.settings import *  # noqa: F403

ROOT_URLCONF = "bench.survey_urls"
