"""Builders for test data: a small county tree, rubrics, campaigns and people. Plain functions, no magic."""
from decimal import Decimal

from django.contrib.auth import get_user_model

from branches.models import Org, OrgKind, Role, RoleAssignment, Sector
from campaigns.models import (
    Campaign,
    CampaignSector,
    Criterion,
    GradeBand,
    GradeScale,
    Indicator,
    RubricVersion,
)

D = Decimal

STANDARD_SPLIT = [("党组织带头人", 15), ("工作思路", 10), ("工作制度", 15), ("活动阵地", 10), ("保障机制", 10),
                  ("工作业绩", 25), ("群众反映", 15)]

SCALES = {
    "four": ("四档（好/较好/一般/较差）", True, [("好", 90), ("较好", 80), ("一般", 60), ("较差", 0)]),
    "three": ("三档（先进/一般/后进）", True, [("先进", 80), ("一般", 60), ("后进", 0)]),
    "four-school": ("学校四档", True, [("先进", 90), ("较好", 75), ("一般", 60), ("后进", 0)]),
    "stars": ("星级", False, [("五星", 95), ("四星", 90), ("三星", 80), ("二星", 70), ("一星", 0)]),
}


def sector(name):
    from branches.seed import seed_sectors

    found = Sector.objects.filter(name=name).first()
    if found is None:  # a run with --nomigrations has no seeded sectors
        seed_sectors(Sector)
        found = Sector.objects.get(name=name)
    return found


def scale(code):
    """The scale with `code`, created with SPEC §3 bands if it does not exist yet."""
    existing = GradeScale.objects.filter(code=code).first()
    if existing:
        return existing
    name, gates, bands = SCALES[code]
    s = GradeScale.objects.create(code=code, name=name, gates_apply=gates, valid_years=2 if code == "stars" else None)
    for label, minimum in bands:
        GradeBand.objects.create(scale=s, label=label, min_score=D(minimum))
    return s


def rubric(sector_name, name="测试版", split=STANDARD_SPLIT, criteria_per_indicator=2):
    """A rubric with the standard indicators; each indicator's max split evenly over its criteria."""
    r = RubricVersion.objects.create(sector=sector(sector_name), name=name)
    for pos, (ind_name, maximum) in enumerate(split, start=1):
        ind = Indicator.objects.create(rubric=r, position=pos, name=ind_name, max_score=D(maximum))
        share = D(maximum) / criteria_per_indicator
        for cpos in range(1, criteria_per_indicator + 1):
            Criterion.objects.create(indicator=ind, position=cpos, text=f"{ind_name}细则{cpos}", max_score=share,
                                     guidance=f"{ind_name}第{cpos}项的评分说明")
    return r


def org(code, name, kind, parent=None, sector_name=None, **facts):
    fields = {"code": code, "name": name, "kind": kind, "sector": sector(sector_name) if sector_name else None,
                  "secretary": facts.pop("secretary", f"{name[:2]}书记"), "member_count": facts.pop("member_count", 20),
                  "recruits_3y": facts.pop("recruits_3y", 1)}
    fields.update(facts)
    if parent is None:
        return Org.objects.add_root(fields)
    parent.refresh_from_db()
    return Org.objects.add_child(parent, fields)


def county():
    """A small county:

    county (党委, no sector)
    ├── town-a 甲镇党委 (no sector)
    │   ├── vil-1 一村党总支 (村)          ← graded
    │   │   ├── vil-1-b1 一村第一支部 (村)  ← not graded (under a 村 org)
    │   │   └── vil-1-b2 一村第二支部 (村)  ← not graded
    │   ├── vil-2 二村党支部 (村)          ← graded
    │   └── com-1 甲镇社区党支部 (社区)      ← graded
    ├── town-b 乙镇党委 (no sector)
    │   └── vil-3 三村党支部 (村)          ← graded
    └── agency 县直机关工委 (党委, 机关事业单位) ← graded
        ├── ag-1 财政局党支部 (机关事业单位)  ← graded
        └── ag-2 教育局党支部 (机关事业单位)  ← graded
    """
    root = org("county", "示范县委", OrgKind.COMMITTEE)
    town_a = org("town-a", "甲镇党委", OrgKind.COMMITTEE, root)
    vil1 = org("vil-1", "一村党总支", OrgKind.GENERAL_BRANCH, town_a, "村")
    org("vil-1-b1", "一村第一党支部", OrgKind.BRANCH, vil1, "村")
    org("vil-1-b2", "一村第二党支部", OrgKind.BRANCH, vil1, "村")
    org("vil-2", "二村党支部", OrgKind.BRANCH, town_a, "村")
    org("com-1", "甲镇社区党支部", OrgKind.BRANCH, town_a, "社区")
    town_b = org("town-b", "乙镇党委", OrgKind.COMMITTEE, root)
    org("vil-3", "三村党支部", OrgKind.BRANCH, town_b, "村")
    agency = org("agency", "县直机关工委", OrgKind.COMMITTEE, root, "机关事业单位")
    org("ag-1", "财政局党支部", OrgKind.BRANCH, agency, "机关事业单位")
    org("ag-2", "教育局党支部", OrgKind.BRANCH, agency, "机关事业单位")
    return {o.code: o for o in Org.objects.all()}


def campaign(root, slug="c2026", sectors=("村", "社区", "机关事业单位"), phase=1, **fields):
    c = Campaign.objects.create(slug=slug, name=fields.pop("name", f"{root.name}{slug}分类定级"),
                                year=fields.pop("year", 2026), root=root, phase=phase, **fields)
    for name in sectors:
        s = sector(name)
        # The test rubric (two criteria per indicator), not the seeded 标准版 a migrated database also holds.
        r = RubricVersion.objects.filter(sector=s, name="测试版").first() or rubric(name)
        CampaignSector.objects.create(campaign=c, sector=s, rubric=r, scale=scale("three" if name == "村" else "four"))
    return c


def user(username, role=None, org=None, **fields):
    u = get_user_model().objects.create_user(username=username, password="pw-" + username, **fields)
    if role:
        RoleAssignment.objects.create(user=u, role=role, org=org)
    return u


STAFF, REVIEWER, SECRETARY = Role.STAFF, Role.REVIEWER, Role.SECRETARY
