"""`manage.py demo`: the demo county (示范县), loaded through the same services the pages use.

- ~150 orgs over every sector (a county agency committee, five townships with villages and communities, state
  enterprises, private firms, social organisations, schools on the `four-school` scale, and a college with teacher
  and student branches), imported from an org workbook;
- accounts for every role, with their passwords printed;
- 2025年度 (finished: graded, published, objections settled, final, rectification under way, star ratings);
- 2026年度 (the second round over the same county) in 自评 with some self-evaluations started;
- the college's own 2026 campaign in 公示, with an objection waiting for an answer.
Running it again changes nothing (every step checks what exists).
"""
import datetime
import io
import random
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from branches.models import Org, Role, RoleAssignment
from branches.services import apply_org_import, parse_org_workbook
from campaigns import services as campaign_services
from campaigns.models import Campaign, Phase
from campaigns.seed import ensure_seeded
from campaigns.selectors import targets
from demo.data import demo_org_workbook_bytes
from publicity import services as publicity
from rectification import services as rectification
from rectification import stars
from scoring.services import grading, sheets
from surveys import services as survey_services

PASSWORD = "Demo@2026"
D = Decimal

# username, full name, role, org code ("" for staff)
ACCOUNTS = [
    ("zzb", "组织部 王建华", Role.STAFF, ""),
    ("zzb2", "组织部 李秀英", Role.STAFF, ""),
    ("pd_chengguan", "城关镇党委 评定人 张志强", Role.REVIEWER, "SFX-CG"),
    ("pd_qitai", "七台镇党委 评定人 刘海燕", Role.REVIEWER, "SFX-QT"),
    ("pd_jiguan", "县直机关工委 评定人 陈立新", Role.REVIEWER, "SFX-JG"),
    ("pd_jiaoyu", "县教育系统党委 评定人 杨春梅", Role.REVIEWER, "SFX-JY"),
    ("pd_xueyuan", "学院党委 评定人 赵国庆", Role.REVIEWER, "SFX-GZ"),
    ("sj_cg_c03", "柳树湾村党支部 书记", Role.SECRETARY, "SFX-CG-C03"),
    ("sj_cg_c04", "太平村党支部 书记", Role.SECRETARY, "SFX-CG-C04"),
    ("sj_cg_s02", "人民路社区党支部 书记", Role.SECRETARY, "SFX-CG-S02"),
    ("sj_jg_06", "县财政局党支部 书记", Role.SECRETARY, "SFX-JG-06"),
    ("sj_yz", "第一中学党总支 书记", Role.SECRETARY, "SFX-JY-YZ"),
    ("sj_gz_t1", "机电系教工党支部 书记", Role.SECRETARY, "SFX-GZ-T1"),
    ("sj_gz_s1", "机电系学生党支部 书记", Role.SECRETARY, "SFX-GZ-S1"),
]

SCALES = {"中小学校": "four-school", "非公有制经济组织": "stars", "社会组织": "stars"}


def _q(value):
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Command(BaseCommand):
    help = "载入示范县演示数据（可重复运行，不会重复创建）。"

    def handle(self, *args, **options):
        self.rng = random.Random(20261123)
        with transaction.atomic():
            ensure_seeded()
            users = self.accounts()
            self.org_tree(users["zzb"])
            self.roles(users)
            staff, staff2 = users["zzb"], users["zzb2"]
            self.round_2025(staff, staff2)
            self.round_2026(staff)
            self.college_2026(staff, staff2)
        self.print_logins()

    # ------------------------------------------------------------------ people and the tree
    def accounts(self):
        User = get_user_model()
        users = {}
        admin, created = User.objects.get_or_create(username="admin", defaults={"first_name": "系统管理员",
                                                                                "is_staff": True,
                                                                                "is_superuser": True})
        if created:
            admin.set_password(PASSWORD)
            admin.save()
        users["admin"] = admin
        for username, full_name, _, _ in ACCOUNTS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
            if created:
                user.set_password(PASSWORD)
                user.save()
            users[username] = user
        return users

    def org_tree(self, actor):
        plan = parse_org_workbook(io.BytesIO(demo_org_workbook_bytes()))
        if plan.errors:
            raise RuntimeError(f"演示组织数据有误：{plan.errors[:3]}")
        if plan.created or plan.updated:
            result = apply_org_import(plan, actor=actor)
            self.stdout.write(f"党组织：新增 {result.created} 个，更新 {result.updated} 个，未变 {result.unchanged} 个")
        else:
            self.stdout.write(f"党组织：{len(plan.unchanged)} 个，均已存在")

    def roles(self, users):
        orgs = {o.code: o for o in Org.objects.filter(code__in=[a[3] for a in ACCOUNTS if a[3]])}
        for username, _, role, code in ACCOUNTS:
            RoleAssignment.objects.get_or_create(user=users[username], role=role, org=orgs.get(code))

    # ------------------------------------------------------------------ scores
    def quality(self, org):
        """A stable 'true quality' per org, so the rounds and inputs tell a consistent story: most organisations
        are sound (80–99), some middling (65–85), a few weak (48–66)."""
        rng = random.Random(org.code)
        low, high = rng.choices([(80, 99), (65, 85), (48, 66)], weights=[70, 22, 8])[0]
        return rng.randint(low, high)

    def self_scores(self, campaign, org, bias):
        cs = sheets.campaign_sector_for(campaign, org)
        q = min(100, self.quality(org) + bias)
        scores = {}
        for ind in sheets.rubric_items(cs.rubric_id):
            for crit in ind.items:
                jitter = self.rng.uniform(-0.06, 0.04)
                scores[crit.pk] = str(max(D(0), min(crit.max_score, _q(crit.max_score * D(q / 100 + jitter)))))
        return scores

    def review_scores(self, campaign, org, shift=0):
        cs = sheets.campaign_sector_for(campaign, org)
        q = self.quality(org) + shift
        return {ind.pk: str(max(D(0), min(ind.max_score, _q(ind.max_score * D(q / 100 + self.rng.uniform(-0.04, 0.03))))))
                for ind in sheets.rubric_items(cs.rubric_id)}

    def votes(self, org, shift=0):
        q = self.quality(org) + shift
        total = self.rng.randint(12, 30)
        unsatisfied = max(0, round(total * max(0.0, (88 - q) / 60) + self.rng.uniform(-1, 1)))
        unsatisfied = min(total, unsatisfied)
        satisfied = round((total - unsatisfied) * min(1.0, max(0.2, (q - 40) / 60)))
        return [satisfied, total - unsatisfied - satisfied, unsatisfied]

    def fill_campaign(self, campaign, staff, staff2, *, shift=0, online_prefix=None):
        """Self-evaluations, survey (online for orgs under `online_prefix`, double-entered paper for the rest)
        and reviews for every 定级对象, moving the campaign through the phases."""
        orgs = list(targets(campaign))
        secretary = staff
        campaign_services.set_phase(campaign=campaign, phase=Phase.SELF, actor=staff, reason="演示数据")
        for i, org in enumerate(orgs):
            bias = 18 if i % 23 == 5 else self.rng.randint(0, 7)
            sheets.save_self_evaluation(campaign=campaign, org=org, actor=secretary,
                                        scores=self.self_scores(campaign, org, bias + shift), submit=True)
        campaign_services.set_phase(campaign=campaign, phase=Phase.SURVEY, actor=staff, reason="演示数据")
        for org in orgs:
            s, b, u = self.votes(org, shift)
            if online_prefix and org.code.startswith(online_prefix):
                codes = survey_services.issue_tokens(campaign=campaign, org=org, count=s + b + u + 3, actor=staff)
                answers = [1] * s + [2] * b + [3] * u
                for code, overall in zip(codes, answers, strict=False):
                    survey_services.submit_response(
                        code=code, overall=overall,
                        category=self.rng.choice(["member", "masses", "served", ""]),
                        suggestions=self.rng.choice(["", "", "希望多开展为民服务活动。", "三会一课记录要更规范。",
                                                     "建议加强对老党员的关心。"]),
                    )
            else:
                counts = {"overall": [s, b, u]}
                survey_services.enter_paper_counts(campaign=campaign, org=org, counts=counts, actor=staff)
                survey_services.enter_paper_counts(campaign=campaign, org=org, counts=counts, actor=staff2)
        campaign_services.set_phase(campaign=campaign, phase=Phase.REVIEW, actor=staff, reason="演示数据")
        for org in orgs:
            sheets.save_review(campaign=campaign, org=org, actor=staff, level="indicator",
                               scores=self.review_scores(campaign, org, shift),
                               opinion="经查阅台账资料、实地察看，该党组织基本情况属实。")
        grading.recompute_campaign(campaign=campaign, actor=staff)
        return orgs

    # ------------------------------------------------------------------ the three campaigns
    def create(self, slug, **kwargs):
        existing = Campaign.objects.filter(slug=slug).first()
        if existing:
            self.stdout.write(f"定级工作 {existing.name}：已存在，跳过")
            return None
        sectors = kwargs.get("sectors")
        scales = {name: code for name, code in SCALES.items() if sectors is None or name in sectors}
        return campaign_services.create_campaign(slug=slug, scales=scales, **kwargs)

    def round_2025(self, staff, staff2):
        campaign = self.create("sfx-2025", name="示范县2025年度基层党组织分类定级", root="SFX", year=2025,
                               actor=staff)
        if campaign is None:
            return
        orgs = self.fill_campaign(campaign, staff, staff2, shift=-4, online_prefix="SFX-CG")
        # One committee decision with a written reason.
        grade = campaign.grades.select_related("org").filter(computed_label="较好").first()
        if grade:
            sheets.set_override(campaign=campaign, org=grade.org, actor=staff, label="好",
                                reason="该村在防汛救灾中党组织作用发挥突出，经县委组织部研究调整为“好”。")
        start = datetime.date(2025, 12, 8)
        publicity.publish_results(campaign=campaign, actor=staff, starts_on=start, today=start)
        objection = publicity.lodge_objection(campaign=campaign, org=orgs[3], today=start,
                                              text="该村党支部今年组织生活会只开了一次，评为较好不妥。", contact="")
        publicity.answer_objection(objection=objection, actor=staff, decision="rejected",
                                   reply="经核查，该村按要求召开组织生活会 2 次，有会议记录和照片为证，异议不成立。")
        publicity.finalise_results(campaign=campaign, actor=staff, today=start + datetime.timedelta(days=3))
        campaign_services.set_phase(campaign=campaign, phase=Phase.REPORT, actor=staff, reason="演示数据")
        campaign_services.set_phase(campaign=campaign, phase=Phase.RECTIFY, actor=staff, reason="演示数据")
        rectification.create_plans(campaign=campaign, actor=staff)
        self.rectify(campaign, staff, start + datetime.timedelta(days=10))
        stars.issue_star_ratings(campaign=campaign, actor=staff, valid_from=start + datetime.timedelta(days=3))
        counts = grading.recompute_campaign(campaign=campaign, actor=staff)
        self.stdout.write(f"定级工作 {campaign.name}：已完成（{grading.format_counts(counts)}）")

    PROBLEMS = [
        ("“三会一课”记录不完整，部分月份缺少支部委员会会议记录", "建立会议记录月检查制度，由组织委员每月核对并签字",
         datetime.date(2026, 3, 31)),
        ("党员活动阵地设施陈旧，远程教育设备无法正常使用", "申请专项经费更新设备，联系县委组织部远程教育中心上门调试",
         datetime.date(2026, 6, 30)),
        ("近三年未发展党员，党员队伍老龄化", "确定 2 名入党积极分子，落实培养联系人，年内完成培养考察",
         datetime.date(2026, 12, 31)),
        ("为民办实事台账不全，群众反映问题回应不及时", "建立群众诉求登记、办理、反馈台账，每季度公开一次",
         datetime.date(2026, 9, 30)),
    ]

    def rectify(self, campaign, staff, today):
        """Plans below the top band get items, contact leaders and yellow cards; some are reported and accepted,
        some are overdue."""
        from rectification.models import RectificationPlan

        leaders = ["县委常委、组织部部长 高志远", "县人大常委会副主任 孙立平", "县政府副县长 何明德"]
        plans = RectificationPlan.objects.filter(campaign=campaign).select_related("org").order_by("org__path")
        for i, plan in enumerate(p for p in plans if p.needs_plan):
            if plan.needs_contact_leader:
                rectification.set_plan_support(
                    plan=plan, actor=staff, contact_leader=leaders[i % len(leaders)],
                    yellow_card_deadline=datetime.date(2026, 6, 30) if plan.yellow_card else None)
            items = []
            for k in range(1 + i % 2):
                problem, measures, deadline = self.PROBLEMS[(i + k) % len(self.PROBLEMS)]
                items.append(rectification.add_item(plan=plan, actor=staff, problem=problem, measures=measures,
                                                    responsible=plan.org.secretary or "支部书记", deadline=deadline,
                                                    today=today))
            rectification.submit_plan(plan=plan, actor=staff)
            if i % 3 == 0:
                rectification.report_progress(item=items[0], actor=staff, completed=True,
                                              text="已按整改措施完成，相关台账资料已归档备查。")
                rectification.review_item(item=items[0], actor=staff, accept=True, note="经现场查看，整改到位。")
            elif i % 3 == 1:
                rectification.report_progress(item=items[0], actor=staff, text="正在落实，已完成约一半。")

    def round_2026(self, staff):
        previous = Campaign.objects.filter(slug="sfx-2025").first()
        campaign = self.create("sfx-2026", name="示范县2026年度基层党组织分类定级", root="SFX", year=2026,
                               previous=previous, actor=staff)
        if campaign is None:
            return
        campaign_services.set_phase(campaign=campaign, phase=Phase.INVESTIGATE, actor=staff, reason="演示数据")
        campaign_services.set_phase(campaign=campaign, phase=Phase.SELF, actor=staff, reason="演示数据")
        orgs = [o for o in targets(campaign) if o.code.startswith(("SFX-CG", "SFX-JG"))]
        for i, org in enumerate(orgs):
            if org.code == "SFX-CG-C03":
                continue  # left for the demo secretary sj_cg_c03 to fill in
            if i % 3 == 0:
                sheets.save_self_evaluation(campaign=campaign, org=org, actor=staff,
                                            scores=self.self_scores(campaign, org, 3), submit=True)
            elif i % 3 == 1:
                scores = self.self_scores(campaign, org, 3)
                draft = dict(list(scores.items())[: len(scores) // 2])
                sheets.save_self_evaluation(campaign=campaign, org=org, actor=staff, scores=draft)
        self.stdout.write(f"定级工作 {campaign.name}：自评阶段，{len(orgs)} 个组织已开始自评")

    def college_2026(self, staff, staff2):
        campaign = self.create("xy-2026", name="示范职业技术学院2026年度党支部分类定级", root="SFX-GZ", year=2026,
                               sectors=["高校教师党支部", "高校学生党支部"], actor=staff)
        if campaign is None:
            return
        orgs = self.fill_campaign(campaign, staff, staff2, online_prefix="SFX-GZ")
        today = publicity.local_today()
        publicity.publish_results(campaign=campaign, actor=staff, starts_on=today, today=today)
        publicity.lodge_objection(campaign=campaign, org=orgs[-1], today=today,
                                  text="该支部本学期“三会一课”落实不到位，建议复核评定等次。",
                                  contact="学生 138****0000")
        self.stdout.write(f"定级工作 {campaign.name}：公示中（至 {today + datetime.timedelta(days=campaign.publicity_days - 1)}）")

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {PASSWORD}）：")
        self.stdout.write(f"  {'admin':<14} 系统管理员（超级用户，可进入后台 /admin/）")
        for username, full_name, role, code in ACCOUNTS:
            where = f"，负责 {code}" if code else ""
            self.stdout.write(f"  {username:<14} {full_name}（{Role(role).label}{where}）")
        self.stdout.write("  党员群众测评：组织部登录后在“测评”页发放测评码；公示页面无需登录：/gongshi/xy-2026/")
