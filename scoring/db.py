"""Grading's fast statement: the computed columns of many grades written with ONE query, beside the ORM reference
that the tests run on the same cases (tests/scoring/test_db.py). Both take the same arguments and store the same
rows."""
from django.db import connection

from audit.db import json_recordset, json_rows
from scoring.models import Grade

# What a newly inserted grade holds besides its computed columns: no override, not reopened.
_NEW_GRADE = {"override_label": "", "override_reason": "", "reopened": False}


def upsert_grades(*, campaign_id: int, columns: tuple[str, ...], rows, now) -> None:
    """Insert or update the Grade (campaign_id, org_id) of each (org_id, {column: value}) of `rows`: its
    `columns` — the columns a computation owns (grading.COMPUTED_FIELDS) — and computed_at = `now`; a new grade
    gets no override and is not reopened, an existing one keeps every other column. One statement on PostgreSQL (the rows as one JSON text through json_to_recordset), one
    prepared statement executed for every row on SQLite (INSERT … ON CONFLICT (campaign_id, org_id) DO UPDATE,
    SQLite ≥ 3.24)."""
    rows = list(rows)
    if not rows:
        return
    meta = Grade._meta
    # Values go to the driver as they are (Decimal, str, int, bool, None): both sqlite3 (Django registers a
    # Decimal adapter) and psycopg adapt them; only the timestamp needs the backend's own form.
    shared = {"campaign": campaign_id, "computed_at": connection.ops.adapt_datetimefield_value(now), **_NEW_GRADE}
    varying = [meta.get_field(n) for n in ("org", *columns)]
    fields = varying + [meta.get_field(n) for n in shared]
    values = ([org_id, *(row[name] for name in columns)] for org_id, row in rows)
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
    updates = ", ".join(f"{qn(f.column)} = EXCLUDED.{qn(f.column)}"
                        for f in fields if f.name in columns or f.name == "computed_at")
    conflict = (f"ON CONFLICT ({qn(meta.get_field('campaign').column)}, {qn(meta.get_field('org').column)}) "
                f"DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for all rows; the varying columns travel as ONE JSON text that json_to_recordset()
            # turns back into typed rows. The shared columns are parameters of their own.
            select = ", ".join([*(f"r.c{i}" for i in range(len(varying))),
                                *(f"%s::{f.db_type(connection)}" for f in fields[len(varying):])])
            cursor.execute(f"{head} SELECT {select} FROM {json_recordset(varying)} {conflict}",
                           [*shared.values(), json_rows(values)])
        else:
            # sqlite3 runs executemany in C, one prepared statement for every row.
            cursor.executemany(f"{head} VALUES ({', '.join(['%s'] * len(fields))}) {conflict}",
                               [[*row, *shared.values()] for row in values])


def upsert_grades_orm(*, campaign_id: int, columns: tuple[str, ...], rows, now) -> None:
    """upsert_grades through the ORM (bulk_create with update_conflicts): the reference the fast statement is
    tested against."""
    grades = [Grade(campaign_id=campaign_id, org_id=org_id, computed_at=now, **_NEW_GRADE,
                    **{name: row[name] for name in columns}) for org_id, row in rows]
    if grades:
        Grade.objects.bulk_create(grades, update_conflicts=True, unique_fields=["campaign", "org"],
                                  update_fields=[*columns, "computed_at"])
