"""In-process cost of one survey POST beside the bare insert view (not a test; complements bench/survey_load.py).

    .venv/bin/python bench/survey_load.py                 # first: creates and fills the database gs_bench_d
    .venv/bin/python bench/survey_inprocess.py [--posts 2000]

Calls Django's WSGI handler directly (no HTTP server, no client threads) with the bench settings, alternating
batches of 50 posts to /bench/bare/ and 50 fresh codes to /s/<code>/, and prints the median batch time per post of
each, their ratio, and where a survey post's time goes (the guard's client key, the answer statement with the
connection's health check, the rest). Needs PostgreSQL (gs_bench_d) and Redis DB 3, like survey_load.py.
"""
import argparse
import collections
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from survey_load import ENV  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000, help="posts of each kind")
    args = parser.parse_args()
    os.environ.update(ENV)
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from surveys import db, guard, services
    from surveys.models import SurveyToken

    token = SurveyToken.objects.select_related("campaign", "org").first()
    codes = []
    while len(codes) < args.posts:
        codes += services.issue_tokens(campaign=token.campaign, org=token.org, count=min(1000, args.posts - len(codes)))
    indicator = services.open_token(codes[0]).indicators[0].pk
    body = f"overall=1&category=member&ind_{indicator}=2&suggestions=%E5%A5%BD".encode()
    app = WSGIHandler()

    def post(path, data=b""):
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data)),
                   "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.url_scheme": "http",
                   "REMOTE_ADDR": "127.0.0.1"}
        status = []
        response = app(environ, lambda s, h: status.append(s))
        b"".join(response)
        response.close()
        return status[0]

    spent = collections.defaultdict(float)

    def timed(module, name):
        fn = getattr(module, name)

        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - started
        setattr(module, name, wrapper)

    timed(guard, "client_key")
    timed(db, "_consume")
    for _ in range(50):  # warm up: connections, compiled SQL, the prepared statement
        post("/bench/bare/")
    bare, survey = [], []
    for start in range(0, args.posts, 50):
        batch = codes[start:start + 50]
        started = time.perf_counter()
        for _ in batch:
            assert post("/bench/bare/").startswith("302")
        bare.append((time.perf_counter() - started) / len(batch))
        started = time.perf_counter()
        for code in batch:
            assert post(f"/s/{code}/", body).startswith("302")
        survey.append((time.perf_counter() - started) / len(batch))
    bare_ms, survey_ms = (sorted(v)[len(v) // 2] * 1000 for v in (bare, survey))
    print(f"{args.posts} posts each, in-process, PostgreSQL")
    print(f"bare insert  {bare_ms:.3f} ms a post (median of batches of 50)")
    print(f"survey form  {survey_ms:.3f} ms a post; bare / survey = {bare_ms / survey_ms:.2f}")
    print(f"  guard key (hash of the client)    {spent['client_key'] / args.posts * 1000:.3f} ms")
    print(f"  answer statement (+ health check) {spent['_consume'] / args.posts * 1000:.3f} ms")


if __name__ == "__main__":
    main()
