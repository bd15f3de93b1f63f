"""What the survey app tells the apps above it (it imports none of them).

votes_changed(sender, campaign, org_ids): the votes that count for these orgs of `campaign` changed (a confirmed
paper tally appeared, changed or disappeared). Sent inside the transaction that changed them, so a receiver's
writes commit or roll back with it; `sender` is the model whose rows changed. scoring recomputes the orgs'
grades (scoring/receivers.py)."""
from django.dispatch import Signal

votes_changed = Signal()
