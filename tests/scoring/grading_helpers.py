"""Builders shared by the grading tests: sheets, votes and big trees."""
from decimal import Decimal

from branches.models import Org, OrgKind
from campaigns.models import Criterion, Phase
from scoring.models import OfflineVotes, ScoreSheet, SheetKind, SheetScore, SheetStatus
from scoring.services.sheets import campaign_sector_for
from surveys.models import Answer, SurveyResponse
from tests import factories as f

D = Decimal


def set_phase(campaign, phase):
    campaign.phase = phase
    campaign.save()
    return campaign


def submitted_sheet(campaign, org, kind, total, *, status=SheetStatus.SUBMITTED, with_scores=True):
    """A sheet whose criterion scores add up to `total` (spread over criteria, capped at each max)."""
    sheet, _ = ScoreSheet.objects.update_or_create(
        campaign=campaign, org=org, kind=kind, defaults={"status": status, "total": D(total)})
    if with_scores:
        cs = campaign_sector_for(campaign, org)
        remaining = D(total)
        rows = []
        for crit in Criterion.objects.filter(indicator__rubric=cs.rubric).order_by("indicator__position", "position"):
            give = min(crit.max_score, remaining)
            remaining -= give
            rows.append(SheetScore(sheet=sheet, indicator_id=crit.indicator_id, criterion=crit, score=give))
        SheetScore.objects.filter(sheet=sheet).delete()
        SheetScore.objects.bulk_create(rows)
    return sheet


def votes(campaign, org, satisfied=0, basic=0, unsatisfied=0, online=False):
    """Votes for an org: offline (OfflineVotes) by default, or as anonymous online responses."""
    if online:
        import datetime
        day = datetime.date(2026, 4, 1)
        rows = ([Answer.SATISFIED] * satisfied + [Answer.BASIC] * basic + [Answer.UNSATISFIED] * unsatisfied)
        SurveyResponse.objects.bulk_create(
            [SurveyResponse(campaign=campaign, org=org, day=day, overall=a) for a in rows])
        return None
    return OfflineVotes.objects.update_or_create(
        campaign=campaign, org=org,
        defaults={"satisfied": satisfied, "basic": basic, "unsatisfied": unsatisfied})[0]


def big_township(tree, n, code="town-big", sector_name="村"):
    """A township under the county with `n` branches (村 by default), each a 定级对象. Built in bulk."""
    town = f.org(code, f"大镇{n}", OrgKind.COMMITTEE, tree["county"])
    sector = f.sector(sector_name)
    Org.objects.bulk_create([
        Org(path=Org._get_path(town.path, town.depth + 1, i + 1), depth=town.depth + 1, numchild=0,
            code=f"{code}-v{i}", name=f"大镇第{i}村党支部", kind=OrgKind.BRANCH, sector=sector,
            secretary="书记", member_count=10, recruits_3y=1)
        for i in range(n)
    ])
    Org.objects.filter(pk=town.pk).update(numchild=n)
    return Org.objects.get(pk=town.pk)


__all__ = ["set_phase", "submitted_sheet", "votes", "big_township", "Phase", "SheetKind", "SheetStatus", "D"]
