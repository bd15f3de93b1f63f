"""Survey load benchmark (not a test): gunicorn with 2 workers on PostgreSQL, a bounded load of fresh codes.

    .venv/bin/python bench/survey_load.py [--tokens 2000] [--concurrency 12]

Creates the database gs_bench_d (dropped first), the demo tree and N fresh codes for one org, starts gunicorn
(2 sync workers, bench.survey_settings) on 127.0.0.1, then posts — from a thread pool of http.client clients —
N requests to a bare Django view that inserts one row and the N codes to the real form /s/<code>/ (each once, so
every post is accepted), in alternating rounds (bare, survey, bare, survey …; --rounds, default 4). Prints accepted/s, p50 and p99 for both and the ratio. Stops by itself.
Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and, for the rate-limit cache, Redis DB 3.
"""
import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DB = "gs_bench_d"
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.survey_settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "DEBUG": "0",
    "SITE_URL": "http://127.0.0.1",
}

SETUP = r"""
import sys, django
django.setup()
from campaigns.models import Phase
from surveys import services
from surveys.models import SurveyResponse
from tests import factories as f
tree = f.county()
campaign = f.campaign(tree["county"], phase=Phase.SURVEY)
n, codes = int(sys.argv[1]), []
while len(codes) < n:  # at most 1000 a batch, as on the staff page
    codes += services.issue_tokens(campaign=campaign, org=tree["vil-2"], count=min(1000, n - len(codes)))
services.submit_response(code=codes.pop(), overall=1)  # one row so the bare view knows its campaign and org
print(services.open_token(codes[0]).indicators[0].pk)  # an indicator of the org's rubric, answered by every post
print("\n".join(codes))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body):
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.perf_counter() - started


def run_load(port, requests, concurrency):
    """Post every (path, body) once with `concurrency` clients; returns (accepted, seconds, latencies)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda pb: post(port, *pb), requests))
    elapsed = time.perf_counter() - started
    accepted = sum(1 for status, _ in results if status == 302)
    return accepted, elapsed, sorted(latency for _, latency in results)


def _add(total, run):
    return total[0] + run[0], total[1] + run[1], total[2] + run[2]


def pct(values, p):
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=4, help="alternating bare/survey rounds")
    args = parser.parse_args()
    env = {**os.environ, **ENV}
    py = str(ROOT / ".venv" / "bin" / "python")

    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    indicator, *codes = subprocess.run([py, "-c", SETUP, str(args.tokens + 1)], cwd=ROOT, env=env, check=True,
                                       stdout=subprocess.PIPE, text=True).stdout.split()
    assert len(codes) == args.tokens, len(codes)

    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "gradingsite.wsgi:application", "-w", "2", "-b",
         f"127.0.0.1:{port}", "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(20):  # warm both workers up (imports, connections)
            post(port, "/bench/bare/", "")
        body = f"overall=1&category=member&ind_{indicator}=2&suggestions=%E5%A5%BD"
        # Alternate rounds (bare, survey, bare, survey, …) so that load from anything else on the machine falls
        # on both alike; each kind's figures are summed over its rounds.
        bare, survey = (0, 0.0, []), (0, 0.0, [])
        per_round = -(-args.tokens // args.rounds)
        for start in range(0, args.tokens, per_round):
            batch = codes[start:start + per_round]
            bare = _add(bare, run_load(port, [("/bench/bare/", "")] * len(batch), args.concurrency))
            survey = _add(survey, run_load(port, [(f"/s/{code}/", body) for code in batch], args.concurrency))
        bare = (*bare[:2], sorted(bare[2]))
        survey = (*survey[:2], sorted(survey[2]))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)

    print(f"{args.tokens} requests each in {args.rounds} alternating rounds, {args.concurrency} concurrent clients, "
          "gunicorn 2 workers, PostgreSQL")
    print(f"{'':14}{'accepted':>9}{'accepted/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    rates = {}
    for name, (accepted, elapsed, lat) in (("bare insert", bare), ("survey form", survey)):
        rates[name] = accepted / elapsed
        print(f"{name:14}{accepted:>9}{rates[name]:>12.0f}{statistics.median(lat) * 1000:>9.1f}"
              f"{pct(lat, 99) * 1000:>9.1f}")
    ratio = rates["survey form"] / rates["bare insert"]
    p99 = pct(survey[2], 99) * 1000
    print(f"survey / bare = {ratio:.2f}")
    ok = survey[0] == args.tokens and rates["survey form"] >= 300 and p99 <= 200 and ratio >= 0.7
    print("goal (≥ 300 accepted/s, p99 ≤ 200 ms, ≥ 0.7× bare, every code accepted):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
