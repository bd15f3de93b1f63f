"""Which configured floor gate applies: pure (no Django), so that both the engine (scoring.engine re-exports it)
and the campaign pages below scoring read the one rule."""


def effective_floor_gate(*, own, sector_default, campaign):
    """The floor gate that applies to a sector in a campaign: the campaign sector's own value when set, else the
    sector's default (机关事业单位 0.60) when set, else the campaign's (0.50 by default). Returned as given."""
    if own is not None:
        return own
    if sector_default is not None:
        return sector_default
    return campaign
