"""Benchmark of a full grade recompute (scoring.services.grading.recompute_campaign).

Builds N 定级对象 (N = 1,000 and 10,000) with a submitted self-evaluation, online survey responses and a review
in a FRESH database, runs a full recompute (first run: every grade new; second run: nothing changed), and prints
time and query count beside a single SQL aggregate over the same survey rows measured in the same run.

    .venv/bin/python bench/grade.py                       # SQLite file /tmp/gs_bench_c.sqlite3
    .venv/bin/python bench/grade.py --postgres            # PostgreSQL database gs_bench_c (dropped and re-created)
    .venv/bin/python bench/grade.py --sizes 1000 10000 --votes 8

Not a test: results go to docs/benchmarks.md (section "Grading").
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SQLITE_PATH = "/tmp/gs_bench_c.sqlite3"
PG_NAME = "gs_bench_c"
PG_SERVER = "postgres://postgres@127.0.0.1:5432/"


def prepare_database(postgres: bool):
    if postgres:
        import psycopg

        with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = PG_SERVER + PG_NAME
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(SQLITE_PATH + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradingsite.settings_test")
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection

    # Tables straight from the models (like pytest --nomigrations): the bench measures the code, not migrations.
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                editor.create_model(model)


def build(n: int, votes_per_org: int):
    """A county with 20 townships holding n graded orgs (村, 社区, 机关事业单位 in turn), each with a submitted
    self score, `votes_per_org` online responses and a review. Returns the campaign."""
    import datetime
    from decimal import Decimal

    from branches.models import Org, OrgKind
    from campaigns.models import Campaign, CampaignSector
    from scoring.models import ScoreSheet, SheetKind, SheetSource, SheetStatus
    from surveys.models import SurveyResponse
    from tests import factories as f

    tag = f"b{n}"
    root = Org.objects.add_root({"code": f"{tag}-county", "name": f"基准县{n}", "kind": OrgKind.COMMITTEE})
    sectors = [f.sector("村"), f.sector("社区"), f.sector("机关事业单位")]
    units = 20
    per_unit = n // units
    towns = [Org(path=Org._get_path(root.path, 2, u + 1), depth=2, numchild=per_unit, code=f"{tag}-t{u}",
                 name=f"第{u}镇党委", kind=OrgKind.COMMITTEE) for u in range(units)]
    Org.objects.bulk_create(towns)
    Org.objects.filter(pk=root.pk).update(numchild=units)
    orgs = []
    for u, town in enumerate(towns):
        for i in range(per_unit):
            orgs.append(Org(path=Org._get_path(town.path, 3, i + 1), depth=3, numchild=0, code=f"{tag}-t{u}-{i}",
                            name=f"第{u}镇第{i}党支部", kind=OrgKind.BRANCH, sector=sectors[(u * per_unit + i) % 3],
                            secretary="书记", member_count=20, recruits_3y=1))
    Org.objects.bulk_create(orgs, batch_size=2000)
    orgs = list(Org.objects.filter(path__startswith=root.path, depth=3).order_by("path"))

    campaign = Campaign.objects.create(slug=f"bench-{n}", name=f"基准{n}", year=2026, root=root)
    for s in sectors:
        rubric = f.rubric(s.name, name=f"基准{n}")
        CampaignSector.objects.create(campaign=campaign, sector=s, rubric=rubric,
                                      scale=f.scale("three" if s.name == "村" else "four"))
    now = datetime.datetime.now(datetime.UTC)
    sheets, responses = [], []
    day = datetime.date(2026, 4, 1)
    for i, org in enumerate(orgs):
        self_total = Decimal(60 + i % 41) + Decimal(i % 10) / 10
        review_total = Decimal(55 + (i * 7) % 46)
        sheets.append(ScoreSheet(campaign=campaign, org=org, kind=SheetKind.SELF, status=SheetStatus.SUBMITTED,
                                 source=SheetSource.ONLINE, total=min(self_total, Decimal(100)), submitted_at=now))
        sheets.append(ScoreSheet(campaign=campaign, org=org, kind=SheetKind.REVIEW, status=SheetStatus.SUBMITTED,
                                 source=SheetSource.ONLINE, total=review_total, submitted_at=now))
        for k in range(votes_per_org):
            answer = 1 if k < votes_per_org - (i % 4) else (2 if k % 2 else 3)
            responses.append(SurveyResponse(campaign=campaign, org=org, day=day, overall=answer))
    ScoreSheet.objects.bulk_create(sheets, batch_size=2000)
    SurveyResponse.objects.bulk_create(responses, batch_size=5000)
    return campaign


def measure(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return result, elapsed, ctx.captured_queries


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL database gs_bench_c")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--votes", type=int, default=8, help="online survey responses per org")
    parser.add_argument("--detail", action="store_true", help="also print each query's time (database-side + "
                                                                "driver) of the recompute")
    args = parser.parse_args()
    prepare_database(args.postgres)

    from django.db import connection
    from django.db.models import Count, Q

    from audit.models import AuditEntry
    from scoring.models import Grade
    from scoring.services.grading import format_counts, recompute_campaign
    from surveys.models import SurveyResponse

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {args.votes} responses per org")
    print(f"{'orgs':>6} {'run':<14} {'seconds':>8} {'queries':>8} {'aggregate s':>12} {'ratio':>6}")
    for n in args.sizes:
        t0 = time.perf_counter()
        campaign = build(n, args.votes)
        build_s = time.perf_counter() - t0

        def aggregate(campaign=campaign):
            return list(SurveyResponse.objects.filter(campaign=campaign).values("org_id").annotate(
                s=Count("pk", filter=Q(overall=1)), b=Count("pk", filter=Q(overall=2)),
                u=Count("pk", filter=Q(overall=3))))

        for label in ("first (all new)", "second (no change)"):
            counts, secs, queries = measure(lambda campaign=campaign: recompute_campaign(campaign=campaign))
            _, agg_secs, _ = measure(aggregate)
            print(f"{n:>6} {label:<14} {secs:>8.3f} {len(queries):>8} {agg_secs:>12.3f} {secs / agg_secs:>6.1f}")
            if args.detail:
                for q in queries:
                    print(f"{'':>6}   {float(q['time']):>6.3f} s  {q['sql'][:90]}")
        graded = Grade.objects.filter(campaign=campaign).count()
        audits = AuditEntry.objects.filter(campaign_id=campaign.pk).count()
        print(f"{'':>6} build {build_s:.1f}s; grades {graded}; audit entries {audits}; {format_counts(counts)}")


if __name__ == "__main__":
    main()
