"""Signals of the 公示 app. The apps above it (rectification) act on them; publicity imports none of them."""
from django.dispatch import Signal

# Sent inside finalise_results' transaction once a campaign's results are final: campaign, actor, today.
# Receivers that raise roll the finalisation back with them.
results_finalised = Signal()
