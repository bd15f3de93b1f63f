"""The audit log's fast statement: many entries appended with ONE query, beside the ORM reference that the tests
run on the same cases (tests/audit/test_db.py). Both take the same arguments and store the same rows.

Also the two PostgreSQL helpers every bulk statement of the project shares (json_recordset, json_rows): rows
travel as ONE JSON text that the server turns back into typed rows.
"""
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from audit.models import AuditEntry

# The columns of one entry that differ from entry to entry; every other column is shared by all of them.
VARYING = ("object_id", "object_repr", "before", "after")


def insert_entries(rows, *, shared: dict) -> int:
    """Append one entry per row of `rows` — (object_id, object_repr, before, after), before/after plain JSON
    values — each with the `shared` values (at, actor, actor_name, action, object_type, campaign_id, reason;
    `at` an aware datetime). Returns the number of entries appended.

    One query whatever their number: on PostgreSQL one INSERT … SELECT FROM json_to_recordset(one JSON text);
    elsewhere one prepared INSERT executed for every row (cursor.executemany, no 999-parameter batches on
    SQLite). Values are prepared as the model's fields would store them (the backend's timestamp, JSON through
    the field's DjangoJSONEncoder). The log stays append-only: an INSERT, nothing else."""
    rows = list(rows)
    if not rows:
        return 0
    meta = AuditEntry._meta
    field = meta.get_field
    same = {name: field(name).get_db_prep_save(value, connection) for name, value in shared.items()}
    fields = [field(name) for name in (*same, *VARYING)]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The shared values once, as parameters of their own; the varying columns as one JSON text whose
            # before/after values are nested JSON that json_to_recordset() hands to the jsonb columns as they are.
            columns = ", ".join(f"%s::{f.db_type(connection)}" for f in fields[:len(same)])
            cursor.execute(
                f"{head} SELECT {columns}, r.c0, r.c1, r.c2, r.c3 FROM {json_recordset(fields[len(same):])}",
                [*same.values(), json_rows(rows)])
        else:
            before, after = field("before"), field("after")
            cursor.executemany(
                f"{head} VALUES ({', '.join(['%s'] * len(fields))})",
                [[*same.values(), object_id, object_repr, before.get_db_prep_save(b, connection),
                  after.get_db_prep_save(a, connection)] for object_id, object_repr, b, a in rows])
    return len(rows)


def insert_entries_orm(rows, *, shared: dict) -> int:
    """insert_entries through the ORM (bulk_create): the reference the fast statement is tested against. The
    model sets `at` itself (auto_now_add): the time of the call, not shared["at"]."""
    entries = [AuditEntry(**shared, object_id=object_id, object_repr=object_repr, before=b, after=a)
               for object_id, object_repr, b, a in rows]
    return len(AuditEntry.objects.bulk_create(entries))


def json_recordset(fields) -> str:
    """PostgreSQL: `json_to_recordset(%s::json) AS r(c0 type0, c1 type1, …)` for the given model fields (a
    relation as its target's key type); its parameter is json_rows(…) of rows holding those fields in order."""
    columns = ", ".join(f"c{i} {f.target_field.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
                        for i, f in enumerate(fields))
    return f"json_to_recordset(%s::json) AS r({columns})"


def json_rows(rows) -> str:
    """Rows of column values as one JSON text [{"c0": …, "c1": …}, …] for json_recordset. One JSON document is
    encoded in C and parsed by the server in one pass; typed arrays (unnest) would cost ~40 µs a row in the
    driver's text-array quoting — most of a 10,000-row write. Decimals travel as strings (exact), JSON values
    (dicts) as nested JSON for jsonb columns, None as null (SQL NULL)."""
    return json.dumps([{f"c{i}": value for i, value in enumerate(row)} for row in rows],
                      cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
