from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import Org
from campaigns.models import Campaign
from surveys import ballots


class Command(BaseCommand):
    help = ("打印空白测评表：为一个定级对象、一个单位（含下级）或整个定级工作的定级对象生成《基层党组织分类定级党员群众"
            "测评表》，每个党组织 N 份（或按党员人数），可附计票表，合成一个 PDF（按单位和党组织排序）。")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="定级工作代码（slug）")
        parser.add_argument("--org", help="只打印这一个定级对象（组织编码）")
        parser.add_argument("--scope", help="打印这个党组织及其下级的全部定级对象（组织编码）")
        parser.add_argument("--count", required=True, help=f"每个党组织的份数（1–{ballots.MAX_COPIES}），或 members（按党员人数）")
        parser.add_argument("--tally", action="store_true", help="每个党组织附一张计票表")
        parser.add_argument("--output", required=True, help="PDF 输出路径")

    def handle(self, *args, campaign, count, output, org=None, scope=None, tally=False, **options):
        if org and scope:
            raise CommandError("--org 和 --scope 只能指定其一。")
        found = Campaign.objects.select_related("root").filter(slug=campaign).first()
        if found is None:
            raise CommandError(f"没有代码为“{campaign}”的定级工作。")
        sheets = self._sheets(found, org, scope, count)
        path = Path(output)
        if not path.resolve().parent.is_dir():
            raise CommandError(f"输出目录不存在：{path.resolve().parent}")

        def progress(done, total):
            self.stdout.write(f"已排版 {done}/{total} 个党组织")

        try:
            pages = ballots.write_ballots(campaign=found, sheets=sheets, target=str(path), tally=tally,
                                          progress=progress if len(sheets) > ballots.ORGS_PER_DOCUMENT else None)
        except OSError as exc:
            raise CommandError(f"无法写入“{output}”：{exc.strerror or exc}")
        copies_total = sum(s.copies for s in sheets)
        extra = f"、{len(sheets)} 张计票表" if tally else ""
        self.stdout.write(self.style.SUCCESS(
            f"已写入 {output}：{len(sheets)} 个党组织，共 {copies_total} 份测评表{extra}，{pages} 页。"))

    def _sheets(self, campaign, org, scope, count):
        """The sheets to print, or CommandError; the orgs skipped for having no members are named on stderr."""
        try:
            copies = ballots.parse_count(count)
            one = _org(org) if org else None
            unit = _org(scope) if scope else None
            if unit is not None and not unit.path.startswith(campaign.root.path):
                raise CommandError(f"组织编码“{scope}”不在“{campaign.name}”的范围内。")
            sheets, skipped = ballots.ballot_sheets(campaign, ballots.ballot_targets(campaign, org=one, scope=unit),
                                                    copies)
        except ballots.BallotError as exc:
            raise CommandError(str(exc))
        for o in skipped:
            self.stderr.write(f"跳过“{o.name}”（{o.code}）：党员人数为 0。")
        if not sheets:
            raise CommandError("没有可打印的测评表：所选党组织的党员人数均为 0，请用 --count 指定份数。")
        return sheets


def _org(code):
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(f"没有组织编码为“{code}”的党组织。")
    return org
