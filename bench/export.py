"""Export benchmark (not a test): 一览表 XLSX for 10,000 orgs against a bare openpyxl write-only loop over the same
values, and 一览表 PDF for 1,000 orgs against one naive WeasyPrint document of the whole table.

    .venv/bin/python bench/export.py [--xlsx-orgs 10000] [--pdf-orgs 1000] [--db /tmp/gs_e_bench.sqlite3] [--only pdf]

Builds its own SQLite database (schema straight from the models, data with bulk inserts), then runs every
measurement in a fresh subprocess so that each peak RSS is its own. Prints a Markdown table (docs/benchmarks.md).
Memory counts child processes too: "tree peak RSS" is the peak of the summed RSS of the measuring process and all
its children (sampled every 50 ms; pages a forked worker shares with its parent are counted twice, so it is an
upper bound), "tree peak PSS" the same with PSS (shared pages split between the processes sharing them).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradingsite.settings_test")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _tree(pid):
    """`pid` and every process below it (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _kb(path, key):
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the memory of this process and all its children every `interval` seconds: the peak of the summed
    RSS (counts pages shared between a forked worker and its parent twice: an upper bound) and of the summed PSS
    (shared pages split between the processes sharing them: what the tree really occupies)."""

    def __init__(self, interval=0.05):
        import threading

        self.interval = interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = os.getpid()
        while not self._stop.is_set():
            pids = _tree(me)
            self.peak_rss = max(self.peak_rss, sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids))
            self.peak_pss = max(self.peak_pss, sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def build(db_path, sizes):
    """A fresh database with one campaign per size: `n` graded 村 branches under 20 townships, each with a
    submitted self and review sheet, online votes and a grade."""
    if os.path.exists(db_path):
        os.remove(db_path)
    setup_django(db_path)
    from datetime import date
    from decimal import Decimal as D

    from django.apps import apps
    from django.db import connection, transaction
    from django.utils import timezone

    from branches.models import Org, OrgKind
    from scoring.models import Grade, ScoreSheet, SheetKind, SheetStatus
    from surveys.models import SurveyResponse
    from tests import factories as f

    with connection.schema_editor() as editor:
        for model in apps.get_models():
            editor.create_model(model)
    alphabet = Org.alphabet

    def step(i):
        out = ""
        for _ in range(Org.steplen):
            i, r = divmod(i, len(alphabet))
            out = alphabet[r] + out
        return out

    now = timezone.now()
    for k, n in enumerate(sizes, start=1):
        with transaction.atomic():
            slug = f"bench{n}"
            root = Org.objects.create(path=step(k), depth=1, numchild=20, code=f"{slug}-root", name=f"基准县{n}",
                                      kind=OrgKind.COMMITTEE)
            village = f.sector("村")
            towns = Org.objects.bulk_create([
                Org(path=root.path + step(t + 1), depth=2, numchild=0, code=f"{slug}-t{t}", name=f"第{t}镇党委",
                    kind=OrgKind.COMMITTEE) for t in range(20)])
            orgs = [Org(path=towns[i % 20].path + step(i // 20 + 1), depth=3, numchild=0, code=f"{slug}-v{i:05d}",
                        name=f"第{i % 20}镇第{i // 20}村党支部", kind=OrgKind.BRANCH, sector=village,
                        secretary=f"书记{i}", member_count=20 + i % 30, recruits_3y=i % 3) for i in range(n)]
            Org.objects.bulk_create(orgs, batch_size=2000)
            campaign = f.campaign(root, slug=slug, sectors=("村",))
            orgs = list(Org.objects.filter(path__startswith=root.path, depth=3))
            sheets = []
            for o in orgs:
                for kind, total in ((SheetKind.SELF, "86.0"), (SheetKind.REVIEW, "82.5")):
                    sheets.append(ScoreSheet(campaign=campaign, org=o, kind=kind, total=D(total),
                                             status=SheetStatus.SUBMITTED, submitted_at=now))
            ScoreSheet.objects.bulk_create(sheets, batch_size=2000)
            SurveyResponse.objects.bulk_create(
                [SurveyResponse(campaign=campaign, org=o, day=date(2026, 5, 1), overall=1 + (j % 3))
                 for o in orgs for j in range(3)], batch_size=5000)
            Grade.objects.bulk_create([
                Grade(campaign=campaign, org=o, self_score=D("86.0"), votes_satisfied=1, votes_basic=1,
                      votes_unsatisfied=1, review_score=D("82.5"), total=D("71.0"), computed_label="一般",
                      explanation="综合得分 71.0；满意率 66.7% ≥ 50%", computed_at=now) for o in orgs],
                batch_size=2000)


def measure(db_path, what, slug):
    setup_django(db_path)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaigns.models import Campaign
    from reports.exporters import get_exporter

    campaign = Campaign.objects.select_related("root").get(slug=slug)
    out = f"/tmp/gs_e_bench_{what}"
    exporter = get_exporter("yilan")(campaign)
    if what in ("xlsx-bare", "pdf-naive"):
        values = [tuple(float(v.numerator) / v.denominator if hasattr(v, "denominator") and not isinstance(v, int)
                        else v for v in row) for row in exporter.iterate_rows()]
        columns = exporter.columns()
    base = rss_mb()
    queries = None
    sampler = TreeMemory().__enter__()
    cpu0 = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    start = time.perf_counter()
    if what == "xlsx-export":
        from reports.writers.xlsx import write_xlsx

        with CaptureQueriesContext(connection) as ctx:
            write_xlsx(exporter, out + ".xlsx")
        queries = len(ctx.captured_queries)
    elif what == "xlsx-bare":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("一览表")
        ws.append([c.title for c in columns])
        for row in values:
            ws.append(row)
        wb.save(out + ".xlsx")
    elif what == "pdf-export":
        from reports.writers.pdf import write_pdf

        with CaptureQueriesContext(connection) as ctx:
            write_pdf(exporter, out + ".pdf")
        queries = len(ctx.captured_queries)
    elif what == "pdf-naive":
        from django.template.loader import render_to_string
        from weasyprint import HTML

        from reports.exporters import Sheet
        from reports.writers import pdf

        sheet = Sheet(name="一览表", columns=columns, rows=values)
        css = render_to_string("reports/pdf/print.css", {"orientation": "landscape", "font_size": 8,
                                                         "footer_right": ""})
        html = render_to_string("reports/pdf/table.html", {
            "title": exporter.title, "unit": exporter.unit_name, "date": exporter.date_label, "first": True,
            "last": True, "signatures": exporter.signatures,
            "sheets": [{"heading": "", "widths": pdf._widths(columns), "thead": pdf._thead(columns),
                        "tbody": "".join(pdf._rows_html(sheet)), "notes": [], "last": True}]})
        HTML(string=html.replace("</head>", f"<style>{css}</style></head>")).write_pdf(out + ".pdf")
    seconds = time.perf_counter() - start
    sampler.__exit__()
    cpu = sum(u.ru_utime + u.ru_stime - (v.ru_utime + v.ru_stime)
              for u, v in zip([resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)], cpu0, strict=False))
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    pages = font = None
    if what.startswith("pdf"):
        from pypdf import PdfReader

        from core import pdf_fonts as fonts

        pages = len(PdfReader(out + ".pdf").pages)
        font = "common" if fonts.built_faces() else "system"  # the stylesheet's first font (manage.py build_pdf_fonts)
    print(json.dumps({"what": what, "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "peak_rss_mb": round(rss_mb(), 1),
                      "children_peak_rss_mb": round(children_peak, 1),
                      "tree_peak_rss_mb": round(max(sampler.peak_rss / 1024, rss_mb()), 1),
                      "tree_peak_pss_mb": round(sampler.peak_pss / 1024, 1),
                      "rss_before_mb": round(base, 1), "queries": queries, "pages": pages, "font": font}))


def run(db_path, what, slug):
    proc = subprocess.run([sys.executable, __file__, "--db", db_path, "--measure", what, "--campaign", slug],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        sys.exit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--xlsx-orgs", type=int, default=10000)
    parser.add_argument("--pdf-orgs", type=int, default=1000)
    parser.add_argument("--db", default="/tmp/gs_e_bench.sqlite3")
    parser.add_argument("--measure")
    parser.add_argument("--campaign")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--only", help="measure only what starts with this (xlsx, pdf, pdf-export...; no summary)")
    args = parser.parse_args()
    if args.measure:
        return measure(args.db, args.measure, args.campaign)
    if not args.skip_build:
        t = time.perf_counter()
        sizes = sorted({args.xlsx_orgs, args.pdf_orgs})
        proc = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                               f"import bench.export as b; b.build({args.db!r}, {sizes!r})"], cwd=ROOT)
        if proc.returncode:
            sys.exit("building the benchmark database failed")
        print(f"built {sizes} orgs in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", file=sys.stderr)
    results = {}
    for what, n in (("xlsx-bare", args.xlsx_orgs), ("xlsx-export", args.xlsx_orgs),
                    ("pdf-naive", args.pdf_orgs), ("pdf-export", args.pdf_orgs)):
        if args.only and not what.startswith(args.only):
            continue
        results[what] = run(args.db, what, f"bench{n}")
        print(json.dumps(results[what]), file=sys.stderr)
    if args.only:
        return
    x, xb = results["xlsx-export"], results["xlsx-bare"]
    p, pn = results["pdf-export"], results["pdf-naive"]
    print("| measurement | orgs | time (s) | CPU (s) | peak RSS (MB) | tree peak RSS (MB) | tree peak PSS (MB) "
          "| RSS before (MB) | queries | pages |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r, n in (("一览表 XLSX, bare openpyxl loop", xb, args.xlsx_orgs),
                       ("一览表 XLSX, `yilan` exporter", x, args.xlsx_orgs),
                       ("一览表 PDF, one naive WeasyPrint document", pn, args.pdf_orgs),
                       ("一览表 PDF, `yilan` exporter (parallel chunks)", p, args.pdf_orgs)):
        print(f"| {name} | {n} | {r['seconds']} | {r['cpu_seconds']} | {r['peak_rss_mb']} | {r['tree_peak_rss_mb']} | "
              f"{r['tree_peak_pss_mb']} | {r['rss_before_mb']} | {'' if r['queries'] is None else r['queries']} | "
              f"{'' if r['pages'] is None else r['pages']} |")
    print(f"\nXLSX time ratio {x['seconds'] / xb['seconds']:.2f}× (goal ≤ 1.2×), tree peak RSS "
          f"{x['tree_peak_rss_mb']} MB (goal ≤ 100 MB); PDF time ratio {p['seconds'] / pn['seconds']:.2f}× "
          f"(goal ≤ 0.5×), tree peak PSS {p['tree_peak_pss_mb']} MB / summed RSS {p['tree_peak_rss_mb']} MB "
          f"(goal ≤ 300 MB); load average at start {load[0]:.2f}")


if __name__ == "__main__":
    main()
