"""manage.py create_campaign SLUG --name NAME --root CODE [--weights S,V,R] [--top-gate 0.90] [--floor-gate 0.50]
[--scale SECTOR=SCALE ...] [--sectors 村,社区 ...] [--year 2026] [--previous SLUG] — SPEC §10."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campaigns.services import create_campaign


def _split(values):
    return [part.strip() for v in values or [] for part in v.replace("，", ",").split(",") if part.strip()]


class Command(BaseCommand):
    help = "新建一项分类定级工作（默认所有领域参加；村用三档，其他领域用四档）。"

    def add_arguments(self, parser):
        parser.add_argument("slug", help="代码，用于网址和命令，如 2026-county")
        parser.add_argument("--name", required=True, help="名称")
        parser.add_argument("--root", required=True, help="组织范围：牵头党组织的组织编码（本身不参加定级）")
        parser.add_argument("--weights", help="自评、测评、评定权重，如 0.2,0.3,0.5（之和必须为 1）")
        parser.add_argument("--top-gate", help="评为最高等次的满意率门槛（默认 0.90）")
        parser.add_argument("--floor-gate", help="直接定为末等的满意率下限（默认 0.50）")
        parser.add_argument("--scale", action="extend", nargs="+", default=[], metavar="SECTOR=SCALE",
                            help="某领域的等次标准，如 中小学校=four-school；可多次使用")
        parser.add_argument("--sectors", action="extend", nargs="+", default=None, metavar="SECTOR",
                            help="参加的领域（逗号或空格分隔）；不写则所有领域参加")
        parser.add_argument("--year", help="年度（默认今年）")
        parser.add_argument("--previous", help="上一轮定级工作的代码（再次评定）")
        parser.add_argument("--min-responses", help="每个党组织最少测评人数，低于此数不定级（默认 5，0 = 不限）")
        parser.add_argument("--masses-per-org", help="每个党组织应参评群众代表数（默认 0）")
        parser.add_argument("--grade-vote", action="append", default=[], metavar="SECTOR=instead|beside",
                            help="该领域测评由与会人员投票评定等次：instead 代替满意度测评，beside 与满意度并行取较低者（可重复）")
        parser.add_argument("--vote-share", help="等次投票当选比例（默认 0.5，恰好达到即可）")
        parser.add_argument("--institution-turnout", default="default",
                            help="机关事业单位参评率要求（默认 0.90；none = 不要求）")

    def handle(self, *args, **options):
        scales = {}
        problems = []
        for item in options["scale"]:
            sector, sep, code = item.partition("=")
            if not sep or not sector.strip() or not code.strip():
                problems.append(f"--scale “{item}” 格式应为 领域=等次标准代码，如 中小学校=four-school")
            else:
                scales[sector.strip()] = code.strip()
        grade_votes = {}
        for item in options["grade_vote"]:
            sector, sep, mode = item.partition("=")
            if not sep or not sector.strip() or mode.strip() not in ("instead", "beside"):
                problems.append(f"--grade-vote “{item}” 格式应为 领域=instead 或 领域=beside，如 村=instead")
            else:
                grade_votes[sector.strip()] = mode.strip()
        if problems:
            raise CommandError("\n".join(problems))
        sectors = _split(options["sectors"]) if options["sectors"] is not None else None
        try:
            campaign = create_campaign(
                slug=options["slug"], name=options["name"], root=options["root"], year=options["year"],
                weights=options["weights"], top_gate=options["top_gate"], floor_gate=options["floor_gate"],
                sectors=sectors, scales=scales, previous=options["previous"],
                min_responses=options["min_responses"], masses_per_org=options["masses_per_org"],
                grade_votes=grade_votes, vote_share=options["vote_share"],
                institution_turnout=(None if options["institution_turnout"].lower() == "none"
                                     else options["institution_turnout"]),
                actor=None,
            )
        except ValidationError as exc:
            raise CommandError("未创建定级工作：\n" + "\n".join(f"- {m}" for m in exc.messages))
        lines = [f"已创建定级工作“{campaign.name}”（{campaign.slug}），当前阶段：{campaign.phase_label}。"]
        for cs in campaign.sectors.select_related("sector", "rubric", "scale").order_by("sector__order"):
            vote = "" if cs.survey_mode == "satisfaction" else f"，测评方式：{cs.get_survey_mode_display()}"
            lines.append(f"  {cs.sector.name}：评分标准“{cs.rubric.name}”，等次标准 {cs.scale.code}{vote}")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
