"""Fixture data for the report tests, built directly with the models (no grading or survey services)."""
import datetime
from decimal import Decimal

from django.utils import timezone

from branches.models import OrgKind
from campaigns.models import Indicator
from scoring.models import (
    Grade,
    ScoreSheet,
    SheetKind,
    SheetScore,
    SheetSource,
    SheetStatus,
)
from surveys.models import PaperEntry, SurveyResponse
from tests import factories as f

D = Decimal


def sheet(campaign, org, kind, total, user=None, scores=True, opinion="", submitted=True):
    """A submitted sheet with per-criterion scores adding up to `total` (spread over the rubric's criteria)."""
    s = ScoreSheet.objects.create(
        campaign=campaign, org=org, kind=kind, total=D(total), opinion=opinion,
        status=SheetStatus.SUBMITTED if submitted else SheetStatus.DRAFT, source=SheetSource.ONLINE,
        submitted_at=timezone.now() if submitted else None, submitted_by=user,
    )
    if scores:
        cs = campaign.sectors.get(sector=org.sector)
        share = D(total) / 100
        for ind in Indicator.objects.filter(rubric=cs.rubric).prefetch_related("criteria"):
            for crit in ind.criteria.all():
                SheetScore.objects.create(sheet=s, indicator=ind, criterion=crit,
                                          score=(crit.max_score * share).quantize(D("0.1")))
    return s


def grade(campaign, org, label, total, *, self_score=None, votes=(8, 1, 1), review=None, override="", reason="",
          explanation=None):
    return Grade.objects.create(
        campaign=campaign, org=org, self_score=D(self_score) if self_score is not None else None,
        votes_satisfied=votes[0] if votes else None, votes_basic=votes[1] if votes else None,
        votes_unsatisfied=votes[2] if votes else None,
        review_score=D(review) if review is not None else None, total=D(total), computed_label=label,
        override_label=override, override_reason=reason,
        explanation=explanation if explanation is not None else f"综合得分 {total}",
        computed_at=timezone.now(),
    )


def responses(campaign, org, satisfied=0, basic=0, unsatisfied=0, category=""):
    day = datetime.date(2026, 5, 10)
    for overall, n in ((1, satisfied), (2, basic), (3, unsatisfied)):
        for _ in range(n):
            SurveyResponse.objects.create(campaign=campaign, org=org, day=day, overall=overall, category=category)


def paper(campaign, org, counts, users):
    for u in users:
        PaperEntry.objects.create(campaign=campaign, org=org, entered_by=u, counts=counts)


def scenario(tree, campaign, staff):
    """The fixture campaign over the county tree (7 定级对象):

    vil-1  一村党总支   graded 先进 (T 85.0), self 90, review 84, online votes 9/1/0 + confirmed paper
    vil-2  二村党支部   graded 一般, overridden to 后进 with a reason
    com-1  甲镇社区     not graded: self only (missing survey, review)
    vil-3  三村党支部   graded 后进, recruits_3y = 0
    agency 县直机关工委  graded 好, 91.2
    ag-1   财政局党支部  graded 较好; name looks like a formula
    ag-2   教育局党支部  no data at all, recruits_3y = 0, name starts with +86
    """
    second = f.user("staff2", f.STAFF, first_name="组织部小李")
    reviewer = f.user("rev_town", f.REVIEWER, tree["town-a"], first_name="甲镇评定人")
    t = tree
    t["vil-3"].recruits_3y = 0
    t["vil-3"].save()
    t["ag-1"].name = "=SUM(A1)"
    t["ag-1"].save()
    t["ag-2"].name = "+86 教育局党支部"
    t["ag-2"].recruits_3y = 0
    t["ag-2"].save()
    sheet(campaign, t["vil-1"], SheetKind.SELF, "90.0", user=reviewer)
    sheet(campaign, t["vil-1"], SheetKind.REVIEW, "84.0", user=reviewer, opinion="班子团结，工作扎实。")
    responses(campaign, t["vil-1"], 6, 1, 0, category="member")
    responses(campaign, t["vil-1"], 3, 0, 0)
    paper(campaign, t["vil-1"], {"overall": [5, 2, 1], "masses": [3, 1, 1]}, [staff, second])
    grade(campaign, t["vil-1"], "先进", "85.0", self_score="90.0", votes=(14, 3, 1), review="84.0",
          explanation="综合得分 85.0；满意率 94.4%")
    grade(campaign, t["vil-2"], "一般", "70.0", self_score="75.0", votes=(5, 3, 2), review="68.0",
          override="后进", reason="村务公开不到位，经党委会研究调整")
    sheet(campaign, t["com-1"], SheetKind.SELF, "88.0", user=None)
    grade(campaign, t["vil-3"], "后进", "55.0", self_score="60.0", votes=(2, 2, 6), review="54.0")
    grade(campaign, t["agency"], "好", "91.2", self_score="95.0", votes=(9, 1, 0), review="90.0")
    grade(campaign, t["ag-1"], "较好", "82.0", self_score="85.0", votes=(7, 2, 1), review="80.0")
    return {"second": second, "reviewer": reviewer}


def many_orgs(n, slug="big"):
    """A campaign over a county with `n` graded 定级对象 (村 under two townships), every one with sheets, votes and
    a grade. Returns the campaign."""
    root = f.org(f"{slug}-root", f"{slug}县委", OrgKind.COMMITTEE)
    towns = [f.org(f"{slug}-t{i}", f"{slug}{i}镇党委", OrgKind.COMMITTEE, root) for i in range(2)]
    campaign = f.campaign(root, slug=slug)
    for i in range(n):
        o = f.org(f"{slug}-v{i}", f"{slug}第{i}村党支部", OrgKind.BRANCH, towns[i % 2], "村",
                  recruits_3y=i % 3)
        sheet(campaign, o, SheetKind.SELF, "80.0", scores=(i < 5))
        sheet(campaign, o, SheetKind.REVIEW, "78.0", scores=(i < 5), opinion="好")
        responses(campaign, o, 1, 1, 0)
        grade(campaign, o, "一般" if i % 2 else "先进", "79.0" if i % 2 else "81.0", self_score="80.0",
              votes=(1, 1, 0), review="78.0")
    return campaign
