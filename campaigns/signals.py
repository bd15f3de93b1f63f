"""What the campaigns app tells the apps above it (it imports none of them).

phase_changed(sender, campaign, before, after): `campaign` moved from phase `before` to phase `after` (Phase
values). Sent by campaigns.services.set_phase inside the transaction that changed the phase, so a receiver's
writes commit or roll back with it. surveys mixes its staged answers and deletes the campaign's codes when the
survey phase ends (surveys/receivers.py)."""
from django.dispatch import Signal

phase_changed = Signal()
