"""create_campaign / set_phase services and the create_campaign / set_phase commands (SPEC §4, §10)."""
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from branches.models import Sector
from campaigns.models import Campaign, CampaignSector, Phase, PhaseDate, RubricVersion
from campaigns.seed import ensure_seeded
from campaigns.services import create_campaign, set_phase
from tests import factories as f


@pytest.fixture(autouse=True)
def _without_migrated_rubrics(db):
    """These tests count rubric versions from zero; a migrated database starts with the seeded 标准版 ones."""
    from campaigns.models import RubricVersion

    RubricVersion.objects.all().delete()


D = Decimal


@pytest.fixture
def seeded(tree):
    ensure_seeded()
    return tree


def make(seeded, **kwargs):
    kwargs.setdefault("slug", "c1")
    kwargs.setdefault("name", "2026年度分类定级")
    kwargs.setdefault("root", seeded["county"])
    return create_campaign(actor=None, **kwargs)


def errors_of(seeded, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        make(seeded, **kwargs)
    assert Campaign.objects.count() == 0 and CampaignSector.objects.count() == 0
    return exc.value.messages


# ---------------------------------------------------------------------------------------------- defaults


def test_defaults_all_sectors_three_for_village_four_otherwise_floor_from_sector(seeded):
    campaign = make(seeded, year=2026)
    assert campaign.phase == Phase.MOBILISE and campaign.year == 2026
    assert campaign.weights == (D("0.2"), D("0.3"), D("0.5"))
    assert campaign.top_gate == D("0.9") and campaign.floor_gate == D("0.5")
    rows = {cs.sector.name: cs for cs in campaign.sectors.select_related("sector", "scale", "rubric")}
    assert set(rows) == set(Sector.objects.values_list("name", flat=True)) and len(rows) == 9
    assert rows["村"].scale.code == "three"
    assert {cs.scale.code for name, cs in rows.items() if name != "村"} == {"four"}
    assert rows["机关事业单位"].floor_gate == D("0.600")
    assert rows["机关事业单位"].effective_floor_gate() == D("0.600")
    assert rows["社区"].floor_gate is None and rows["社区"].effective_floor_gate() == D("0.5")
    assert all(cs.rubric.name == "标准版" for cs in rows.values())
    assert sorted(PhaseDate.objects.filter(campaign=campaign).values_list("phase", flat=True)) == list(range(1, 10))
    entry = AuditEntry.objects.get(action="campaign.create")
    assert entry.campaign_id == campaign.pk and entry.after["代码"] == "c1"


def test_newest_rubric_is_the_default(seeded):
    newer = f.rubric("社区", name="2026版")
    campaign = make(seeded)
    assert campaign.sectors.get(sector__name="社区").rubric == newer


def test_explicit_sectors_scales_rubrics(seeded):
    old = RubricVersion.objects.get(sector__name="村", name="标准版")
    f.rubric("村", name="2026版")
    campaign = make(seeded, sectors=["村", "中小学校"], scales={"中小学校": "four-school", "村": "stars"},
                    rubrics={"村": old.pk})
    rows = {cs.sector.name: cs for cs in campaign.sectors.select_related("sector", "scale")}
    assert set(rows) == {"村", "中小学校"}
    assert rows["中小学校"].scale.code == "four-school" and rows["村"].scale.code == "stars"
    assert rows["村"].rubric == old


def test_sector_without_rubric_is_an_error(tree):
    f.scale("three"), f.scale("four")
    f.rubric("村")
    messages = errors_of(tree, sectors=["村", "社区"])
    assert messages == ["领域“社区”还没有评分标准：请先导入，或不让该领域参加本次定级。"]


# ----------------------------------------------------------------------------------------------- weights


@pytest.mark.parametrize("weights", [("0", "0", "1"), (D(0), D(0), D(1)), "0,0,1", ("0.25", "0.25", "0.5")])
def test_weights_summing_to_one_are_accepted(seeded, weights):
    campaign = make(seeded, weights=weights)
    assert sum(campaign.weights) == 1


@pytest.mark.parametrize("weights, fragment", [
    (("0.3", "0.3", "0.3"), "之和为 0.9，必须正好等于 1"),
    (("0.4", "0.4", "0.4"), "之和为 1.2"),
    (("-0.1", "0.6", "0.5"), "自评权重 -0.1 必须在 0 到 1 之间"),
    (("a", "0.5", "0.5"), "自评权重“a”不是数字"),
    (("0.2", "0.8"), "必须是三个数"),
    (("0.1234", "0.3766", "0.5"), "最多保留 3 位小数"),
])
def test_bad_weights_are_refused(seeded, weights, fragment):
    messages = errors_of(seeded, weights=weights)
    assert any(fragment in m for m in messages), messages


def test_float_weights_do_not_sneak_past_the_exact_sum(seeded):
    # 0.1 + 0.2 + 0.7 is 1.0000000000000002 in binary floats, but exactly 1 in Decimal.
    campaign = make(seeded, weights=(0.1, 0.2, 0.7))
    assert campaign.weights == (D("0.1"), D("0.2"), D("0.7"))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"top_gate": "1.2"}, "最高等次满意率门槛 1.2 必须在 0 到 1 之间"),
    ({"floor_gate": "-0.1"}, "末等满意率下限 -0.1 必须在 0 到 1 之间"),
    ({"top_gate": "0.5", "floor_gate": "0.6"}, "不能高于"),
    ({"slug": "bad slug"}, "只能包含字母"),
    ({"slug": "new"}, "保留字"),
    ({"name": " "}, "请填写定级工作名称"),
    ({"root": "nowhere"}, "没有组织编码为“nowhere”"),
    ({"year": "abc"}, "年度“abc”无效"),
    ({"sectors": ["火星"]}, "没有领域“火星”"),
    ({"scales": {"村": "ten"}}, "没有等次标准“ten”"),
    ({"scales": {"火星": "four"}}, "没有领域“火星”"),
    ({"sectors": ["社区"], "scales": {"村": "four"}}, "领域“村”没有参加本次定级"),
    ({"previous": "nope"}, "没有代码为“nope”的定级工作"),
    ({"year": 1999}, "年度“1999”无效"),
    ({"year": " 2101 "}, "年度“2101”无效"),
    ({"slug": "x" * 80}, "代码超过"),
    ({"rubrics": {"火星": 1}}, "评分标准：没有领域“火星”。"),
    ({"sectors": ["社区"], "rubrics": {"村": 1}}, "评分标准：领域“村”没有参加本次定级"),
    ({"rubrics": {"村": 999_999}}, "评分标准“999999”不属于领域“村”"),
])
def test_each_bad_argument_is_named(seeded, kwargs, fragment):
    messages = errors_of(seeded, **kwargs)
    assert any(fragment in m for m in messages), messages


def test_a_rubric_of_another_sector_is_refused(seeded):
    other = RubricVersion.objects.get(sector__name="社区", name="标准版")
    messages = errors_of(seeded, rubrics={"村": other})
    assert messages == [f"评分标准“{other}”不属于领域“村”。"]


def test_a_missing_default_scale_is_named(tree):
    from campaigns.models import GradeScale

    GradeScale.objects.filter(code="three").delete()  # a migrated database starts with the seeded scales
    f.rubric("村")
    messages = errors_of(tree, sectors=["村"])
    assert messages == ["缺少默认等次标准“three”（领域“村”），请先初始化等次标准。"]


def test_every_problem_is_listed_at_once_in_argument_order(seeded):
    messages = errors_of(seeded, slug="", name="", root="nowhere", year="abc", weights=("1", "1", "1"),
                         top_gate="2", sectors=["村"], scales={"社区": "four"}, previous="nope")
    assert messages == [
        "请填写代码（用于网址和命令，如 2026-county）。",
        "请填写定级工作名称。",
        "没有组织编码为“nowhere”的党组织（组织范围）。",
        "年度“abc”无效，应为 2000–2100 之间的年份。",
        "三项权重之和为 3，必须正好等于 1（如 0.2,0.3,0.5 或 0,0,1）。",
        "最高等次满意率门槛 2 必须在 0 到 1 之间。",
        "等次标准：领域“社区”没有参加本次定级。",
        "没有代码为“nope”的定级工作（上一轮）。",
    ]


def test_duplicate_slug_is_refused(seeded):
    make(seeded)
    with pytest.raises(ValidationError, match="已被其他定级工作使用"):
        make(seeded)
    assert Campaign.objects.count() == 1


def test_previous_round_must_have_the_same_root(seeded):
    first = make(seeded, slug="r1")
    second = make(seeded, slug="r2", previous="r1")
    assert second.previous == first
    with pytest.raises(ValidationError, match="再次评定必须针对同一范围"):
        make(seeded, slug="r3", root=seeded["town-a"], previous=first)


def test_a_rubric_in_use_is_frozen(seeded):
    campaign = make(seeded, sectors=["村"])
    assert campaign.sectors.get().rubric.is_frozen


# ------------------------------------------------------------------------------------------------ phases


def test_set_phase_forward_and_back_is_audited(seeded):
    campaign = make(seeded)
    set_phase(campaign=campaign, phase=Phase.SURVEY, actor=None, reason="进入测评")
    set_phase(campaign=campaign, phase="自评", actor=None)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.SELF
    entries = list(AuditEntry.objects.filter(action="campaign.phase").order_by("id"))
    assert [(e.before, e.after) for e in entries] == [
        ({"阶段": "动员部署"}, {"阶段": "党员群众测评"}), ({"阶段": "党员群众测评"}, {"阶段": "自评"})]
    assert entries[0].reason == "进入测评" and entries[0].campaign_id == campaign.pk


def test_set_phase_to_current_phase_records_nothing(seeded):
    campaign = make(seeded)
    set_phase(campaign=campaign, phase=Phase.MOBILISE, actor=None)
    assert not AuditEntry.objects.filter(action="campaign.phase").exists()


def test_set_phase_unknown_name_lists_the_nine(seeded):
    campaign = make(seeded)
    with pytest.raises(ValidationError) as exc:
        set_phase(campaign=campaign, phase="测评", actor=None)
    assert "动员部署、调查摸底、自评、党员群众测评、上级评定、公示、汇总上报、整改提升、检查验收" in exc.value.messages[0]


# ---------------------------------------------------------------------------------------------- commands


def test_create_campaign_command_with_every_option(seeded):
    call_command("create_campaign", "r1", "--name", "第一轮", "--root", "county", "--sectors", "村", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "create_campaign", "c2026", "--name", "2026年度分类定级", "--root", "county", "--weights", "0,0,1",
        "--top-gate", "0.85", "--floor-gate", "0.4", "--scale", "中小学校=four-school", "--scale", "村=stars",
        "--sectors", "村,社区", "中小学校", "--year", "2025", "--previous", "r1", stdout=out,
    )
    c = Campaign.objects.get(slug="c2026")
    assert (c.name, c.year, c.root.code, c.previous.slug) == ("2026年度分类定级", 2025, "county", "r1")
    assert c.weights == (D("0"), D("0"), D("1")) and c.top_gate == D("0.85") and c.floor_gate == D("0.4")
    scales = dict(c.sectors.values_list("sector__name", "scale__code"))
    assert scales == {"村": "stars", "社区": "four", "中小学校": "four-school"}
    assert c.phase == Phase.MOBILISE
    assert "当前阶段：动员部署" in out.getvalue()


def test_create_campaign_command_defaults(seeded):
    call_command("create_campaign", "c1", "--name", "默认", "--root", "county", stdout=io.StringIO())
    c = Campaign.objects.get(slug="c1")
    assert c.sectors.count() == 9 and c.weights == (D("0.2"), D("0.3"), D("0.5"))


@pytest.mark.parametrize("args, fragment", [
    (["--weights", "0.3,0.3,0.3"], "必须正好等于 1"),
    (["--weights", "0.5,0.5"], "必须是三个数"),
    (["--top-gate", "2"], "必须在 0 到 1 之间"),
    (["--floor-gate", "x"], "不是数字"),
    (["--scale", "中小学校"], "格式应为 领域=等次标准代码"),
    (["--scale", "中小学校=ten"], "没有等次标准“ten”"),
    (["--sectors", "火星"], "没有领域“火星”"),
    (["--year", "1900"], "年度“1900”无效"),
    (["--previous", "nope"], "没有代码为“nope”"),
])
def test_create_campaign_command_errors(seeded, args, fragment):
    with pytest.raises(CommandError) as exc:
        call_command("create_campaign", "c1", "--name", "x", "--root", "county", *args)
    assert fragment in str(exc.value)
    assert Campaign.objects.count() == 0


def test_create_campaign_command_unknown_root(seeded):
    with pytest.raises(CommandError, match="没有组织编码为“zz”"):
        call_command("create_campaign", "c1", "--name", "x", "--root", "zz")


def test_set_phase_command_uses_chinese_names_and_audits(seeded):
    call_command("create_campaign", "c1", "--name", "x", "--root", "county", stdout=io.StringIO())
    out = io.StringIO()
    call_command("set_phase", "--campaign", "c1", "--phase", "党员群众测评", stdout=out)
    assert "动员部署 → 党员群众测评" in out.getvalue()
    call_command("set_phase", "--campaign", "c1", "--phase", "调查摸底", stdout=io.StringIO())
    assert Campaign.objects.get(slug="c1").phase == Phase.INVESTIGATE
    assert [e.after["阶段"] for e in AuditEntry.objects.filter(action="campaign.phase").order_by("id")] == [
        "党员群众测评", "调查摸底"]


def test_set_phase_command_errors(seeded):
    call_command("create_campaign", "c1", "--name", "x", "--root", "county", stdout=io.StringIO())
    with pytest.raises(CommandError) as exc:
        call_command("set_phase", "--campaign", "c1", "--phase", "测评")
    assert "动员部署" in str(exc.value) and "检查验收" in str(exc.value)
    with pytest.raises(CommandError, match="没有代码为“zz”的定级工作"):
        call_command("set_phase", "--campaign", "zz", "--phase", "自评")
    assert Campaign.objects.get(slug="c1").phase == Phase.MOBILISE


def test_campaign_page_floor_gate_is_the_engines():
    """The campaign page's floor gate (CampaignSector.effective_floor_gate) follows the engine's precedence: a sector
    without its own value takes the sector's default before the campaign's."""
    from branches.models import Sector
    from campaigns.models import Campaign, CampaignSector
    from scoring.engine import effective_floor_gate

    sector = Sector(name="机关事业单位", default_floor_gate=D("0.60"))
    cs = CampaignSector(sector=sector, floor_gate=None, campaign=Campaign(floor_gate=D("0.5")))
    assert cs.effective_floor_gate() == D("0.60") == effective_floor_gate(own=None, sector_default=D("0.60"),
                                                                          campaign=D("0.5"))
