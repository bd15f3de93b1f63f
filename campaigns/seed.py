"""Grade scales (SPEC §3) and the default 标准版 rubric of every sector.

The seed functions take the model classes as arguments so a data migration can call them with
`apps.get_model(...)`; `ensure_seeded()` calls them with the real models (tests, the demo). All are idempotent:
running them again creates nothing new and changes nothing that exists.
"""
from decimal import Decimal

D = Decimal

# code → (name, gates apply, valid years, [(label, minimum), ...] highest first). Lower bounds are inclusive.
SCALES = {
    "four": ("四档（好/较好/一般/较差）", True, None, [("好", 90), ("较好", 80), ("一般", 60), ("较差", 0)]),
    "three": ("三档（先进/一般/后进）", True, None, [("先进", 80), ("一般", 60), ("后进", 0)]),
    "four-school": ("学校四档（先进/较好/一般/后进）", True, None,
                    [("先进", 90), ("较好", 75), ("一般", 60), ("后进", 0)]),
    "stars": ("星级（五星至一星）", False, 2, [("五星", 95), ("四星", 90), ("三星", 80), ("二星", 70), ("一星", 0)]),
}

DEFAULT_RUBRIC_NAME = "标准版"

# The standard 7 indicators (SPEC §3) with a 15/10/15/10/10/25/15 split; criteria and 评分说明 drawn from the
# county, college and school plans in /work/shared/seeds and the star-rating scheme.
DEFAULT_RUBRIC = [
    ("党组织带头人", 15, [
        ("书记政治坚定、作风过硬，守信念、讲奉献、有本领、重品行，切实履行抓党建第一责任人职责", 6,
         "书记群众公认、履职到位的得6分；履行第一责任人职责不到位的扣2分；群众意见较大的扣4分。"),
        ("支部班子健全、结构合理、团结协作，委员分工明确并按期换届", 5,
         "委员配备齐全且按期换届的得5分；委员缺额或未按期换届的扣2分；班子不团结、议事不规范的扣3分。"),
        ("书记每半年接受一次集中培训，每年参加一次实践活动", 4,
         "查阅培训记录：每缺一次集中培训扣2分，未参加实践活动扣1分，扣完为止。"),
    ]),
    ("工作思路", 10, [
        ("围绕中心、服务大局，年度党建工作有计划、有目标、有措施", 5,
         "有年度党建工作计划且目标明确、措施具体的得5分；计划不具体的扣2分；无计划的不得分。"),
        ("认真调查研究，广泛征求党员群众意见，发展思路清晰并经党员大会讨论", 5,
         "思路经党员大会讨论并征求群众意见的得5分；未征求意见的扣2分；思路不清的扣3分。"),
    ]),
    ("工作制度", 15, [
        ("严格落实“三会一课”、组织生活会、民主评议党员、党员党性定期分析等制度", 6,
         "查阅会议记录：每缺一次支部党员大会、支委会或党课扣1分，扣完为止。"),
        ("党务公开、发展党员、党员教育培训、党支部目标管理、党内监督等制度健全并有效落实", 5,
         "制度健全、公开上墙、执行到位的得5分；每缺一项制度或一项未落实扣1分。"),
        ("至少建立一项务实管用的特色制度，推动公开承诺、领导点评、群众评议、定期反馈规范化", 4,
         "有特色制度并长期坚持的得4分；有制度但落实不经常的得2分；没有的不得分。"),
    ]),
    ("活动阵地", 10, [
        ("有相对固定的活动场所，标识规范，配备必要的活动条件", 6,
         "实地查看：有独立固定场所且设施齐全的得6分；与其他单位共用的得3分；无场所的不得分。"),
        ("活动场所使用正常，党员活动经常开展，档案资料齐全", 4,
         "查阅活动记录：全年组织主题党日不少于10次且资料齐全的得4分；每少2次扣1分。"),
    ]),
    ("保障机制", 10, [
        ("党组织工作活动经费落实，管理使用规范，确保日常活动正常开展", 5,
         "经费足额落实、账目清楚的得5分；经费不足影响活动开展的扣2分；使用不规范的扣3分。"),
        ("建立并落实党内激励、关怀、帮扶机制和党员联系服务群众机制", 5,
         "机制健全并落实的得5分；机制不健全的扣2分；有机制未落实的扣3分。"),
    ]),
    ("工作业绩", 25, [
        ("围绕中心工作发挥战斗堡垒作用，出色完成年度目标任务", 10,
         "全面完成年度目标任务的得10分；未完成的按完成比例计分；发生重大责任事故的不得分。"),
        ("党员先锋模范作用明显，设岗定责、亮岗履职、创先争优活动扎实", 8,
         "党员设岗定责全覆盖、有先进典型的得8分；覆盖不全的扣3分；党员作用发挥不明显的扣5分。"),
        ("按标准发展党员，程序规范，党员队伍结构不断优化", 7,
         "近三年有发展党员且程序规范的得7分；程序不规范的扣3分；近三年未发展党员的扣4分。"),
    ]),
    ("群众反映", 15, [
        ("党员群众对党组织工作满意，测评满意率高", 10,
         "按党员群众测评满意率计分：满意率 × 10 分（如满意率 90% 得 9 分），保留一位小数。"),
        ("树立服务意识，为群众办实事好事，得到群众认可", 5,
         "有为民办实事台账、群众评价好的得5分；群众反映问题未及时回应的每件扣1分。"),
    ]),
]


def seed_scales(GradeScale, GradeBand):
    """Ensure the four scales of SPEC §3 exist with exactly their bands. Existing scales are not changed."""
    for code, (name, gates, years, bands) in SCALES.items():
        scale, created = GradeScale.objects.get_or_create(
            code=code, defaults={"name": name, "gates_apply": gates, "valid_years": years}
        )
        if created:
            for label, minimum in bands:
                GradeBand.objects.create(scale=scale, label=label, min_score=D(minimum))


def seed_default_rubrics(Sector, RubricVersion, Indicator, Criterion):
    """Ensure every sector has a rubric named 标准版 holding the standard 7 indicators (sum 100)."""
    for sector in Sector.objects.all():
        if RubricVersion.objects.filter(sector=sector, name=DEFAULT_RUBRIC_NAME).exists():
            continue
        rubric = RubricVersion.objects.create(sector=sector, name=DEFAULT_RUBRIC_NAME)
        for pos, (ind_name, ind_max, criteria) in enumerate(DEFAULT_RUBRIC, start=1):
            indicator = Indicator.objects.create(rubric=rubric, position=pos, name=ind_name, max_score=D(ind_max))
            Criterion.objects.bulk_create([
                Criterion(indicator=indicator, position=cpos, text=text, max_score=D(cmax), guidance=guidance)
                for cpos, (text, cmax, guidance) in enumerate(criteria, start=1)
            ])


def ensure_seeded():
    """Sectors, scales and default rubrics with the real models (tests, the demo, a fresh database)."""
    from branches.models import Sector
    from branches.seed import seed_sectors
    from campaigns.models import (
        Criterion,
        GradeBand,
        GradeScale,
        Indicator,
        RubricVersion,
    )

    seed_sectors(Sector)
    seed_scales(GradeScale, GradeBand)
    seed_default_rubrics(Sector, RubricVersion, Indicator, Criterion)
