"""Grades: run the engine (scoring/engine.py) on each 定级对象's inputs (scoring.selectors.grade_inputs) and
store the result.

The computation is bulk: a full recompute reads everything in six queries (sectors with scales and bands; the
targets with their stored grade; the sheets that count; online, paper and offline votes), computes in Python and
writes only the rows that changed with one upsert statement, then appends one audit entry per changed computed
grade with one INSERT executed for all of them. The query count does not grow with the number of orgs.
"""
from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from audit.models import AuditEntry
from branches.models import Org
from campaigns.models import Campaign
from campaigns.selectors import targets
from scoring import engine
from scoring.models import Grade
from scoring.selectors import (
    NOT_GRADED,
    GradeInputs,
    SectorRules,
    grade_inputs,
    labels_of,
    sector_rules,
)

__all__ = [
    "COMPUTED_FIELDS",
    "NOT_GRADED",
    "compute_for",
    "format_counts",
    "recompute_campaign",
    "recompute_org",
    "recompute_orgs",
]

# The Grade columns a computation owns. Override, reopened (公示 objections) and ids are never touched here.
COMPUTED_FIELDS = ("self_score", "votes_satisfied", "votes_basic", "votes_unsatisfied", "review_score", "total",
                   "computed_label", "explanation")


def compute_for(inputs: GradeInputs, rules: SectorRules | None) -> engine.GradeResult:
    """The engine's result for one org's inputs under its sector's rules (None: the sector does not take part).
    No database access."""
    return engine.compute_grade(self_score=inputs.self_score, votes=inputs.votes, review_score=inputs.review_score,
                                policy=None if rules is None else rules.policy)


def _row_values(inputs: GradeInputs, result: engine.GradeResult) -> dict:
    v = inputs.votes
    return {
        "self_score": inputs.self_score,
        "votes_satisfied": v.satisfied if v else None,
        "votes_basic": v.basic if v else None,
        "votes_unsatisfied": v.unsatisfied if v else None,
        "review_score": inputs.review_score,
        "total": result.total,
        "computed_label": result.label,
        "explanation": result.explanation,
    }


def _upsert(campaign: Campaign, rows: list[tuple[int, dict]], now) -> None:
    """Insert or update the computed columns of Grade rows (campaign, org): one statement on PostgreSQL (the rows
    as one JSON text through json_to_recordset), one prepared statement executed for every row on SQLite.
    INSERT … ON CONFLICT (campaign_id, org_id) DO UPDATE works on PostgreSQL and SQLite ≥ 3.24."""
    if not rows:
        return
    meta = Grade._meta
    # Values go to the driver as they are (Decimal, str, int, bool, None): both sqlite3 (Django registers a
    # Decimal adapter) and psycopg adapt them; only the timestamp needs the backend's own form.
    shared = {"campaign": campaign.pk, "computed_at": connection.ops.adapt_datetimefield_value(now),
              "override_label": "", "override_reason": "", "reopened": False}  # the same in every row
    varying = [meta.get_field(n) for n in ("org", *COMPUTED_FIELDS)]
    fields = varying + [meta.get_field(n) for n in shared]
    values = ([org_id, *(row[name] for name in COMPUTED_FIELDS)] for org_id, row in rows)
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
    updates = ", ".join(f"{qn(f.column)} = EXCLUDED.{qn(f.column)}"
                        for f in fields if f.name in COMPUTED_FIELDS or f.name == "computed_at")
    conflict = (f"ON CONFLICT ({qn(meta.get_field('campaign').column)}, {qn(meta.get_field('org').column)}) "
                f"DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for all rows; the varying columns travel as ONE JSON text that json_to_recordset()
            # turns back into typed rows (see _pg_rows). The shared columns are parameters of their own.
            select = ", ".join([*(f"r.c{i}" for i in range(len(varying))),
                                *(f"%s::{f.db_type(connection)}" for f in fields[len(varying):])])
            cursor.execute(f"{head} SELECT {select} FROM {_pg_recordset(varying)} {conflict}",
                           [*shared.values(), _pg_rows(values)])
        else:
            # sqlite3 runs executemany in C, one prepared statement for every row.
            cursor.executemany(f"{head} VALUES ({', '.join(['%s'] * len(fields))}) {conflict}",
                               [[*row, *shared.values()] for row in values])


def _pg_recordset(fields) -> str:
    """`json_to_recordset(%s::json) AS r(c0 type0, c1 type1, …)` for the given model fields (a relation as its
    target's key type)."""
    columns = ", ".join(f"c{i} {f.target_field.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
                        for i, f in enumerate(fields))
    return f"json_to_recordset(%s::json) AS r({columns})"


def _pg_rows(rows) -> str:
    """Rows of column values as one JSON text [{"c0": …, "c1": …}, …] for _pg_recordset. One JSON document is
    encoded in C and parsed by the server in one pass; typed arrays (unnest) would cost ~40 µs a row in the
    driver's text-array quoting — most of a 10,000-row write. Decimals travel as strings (exact), JSON values
    (dicts) as nested JSON for jsonb columns, None as null (SQL NULL)."""
    return json.dumps([{f"c{i}": value for i, value in enumerate(row)} for row in rows],
                      cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def _actor_fields(actor):
    user = actor if getattr(actor, "is_authenticated", False) else None
    return user, (user.get_full_name() or user.get_username()) if user else "系统"


def _insert_audits(entries: list[tuple[str, str, dict, dict]], *, action: str, object_type: str, campaign_id,
                   user, actor_name: str, at) -> None:
    """Append one audit entry per (object_id, object_repr, before, after) — before/after plain JSON values — all
    with the same action, object type, campaign, actor and time, in one query whatever their number: on PostgreSQL
    one INSERT … SELECT FROM json_to_recordset(one JSON text); elsewhere one prepared INSERT executed for every entry
    (cursor.executemany, no 999-parameter batches on SQLite). Values are prepared as AuditEntry.objects.create
    would store them (the backend's timestamp, JSON with the field's DjangoJSONEncoder); the log stays append-only
    (an INSERT, nothing else)."""
    if not entries:
        return
    meta = AuditEntry._meta
    field = meta.get_field
    same = {  # column → the prepared value every entry shares
        "at": field("at").get_db_prep_save(at, connection),
        "actor": user.pk if user is not None else None,
        "actor_name": actor_name, "action": action, "object_type": object_type, "campaign_id": campaign_id,
        "reason": "",
    }
    varying = ("object_id", "object_repr", "before", "after")
    fields = [field(n) for n in (*same, *varying)]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
    before_f, after_f = field("before"), field("after")
    ids = [str(object_id) for object_id, _, _, _ in entries]
    reprs = [object_repr[:255] for _, object_repr, _, _ in entries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the shared values once, the varying columns as one JSON text (see _pg_rows); the
            # before/after values are nested JSON that json_to_recordset() hands to the jsonb columns as they are.
            shared = ", ".join(f"%s::{f.db_type(connection)}" for f in fields[:len(same)])
            cursor.execute(
                f"{head} SELECT {shared}, r.c0, r.c1, r.c2, r.c3 FROM {_pg_recordset(fields[len(same):])}",
                [*same.values(), _pg_rows(
                    [i, r, before, after] for i, r, (_, _, before, after) in zip(ids, reprs, entries))])
        else:
            shared = list(same.values())
            cursor.executemany(
                f"{head} VALUES ({', '.join(['%s'] * len(fields))})",
                [[*shared, i, r, before_f.get_db_prep_save(before, connection),
                  after_f.get_db_prep_save(after, connection)]
                 for i, r, (_, _, before, after) in zip(ids, reprs, entries)])


def _with_grade(campaign: Campaign, qs):
    """Rows (pk, code, name, sector_id, grade id, override label, *COMPUTED_FIELDS) of the target orgs in `qs`:
    the stored grade comes along in the same query (a join on the unique (campaign, org) index)."""
    return (qs.select_related(None)
            .annotate(g=FilteredRelation("grades", condition=Q(grades__campaign=campaign)))
            .values_list("pk", "code", "name", "sector_id", "g__id", "g__override_label",
                         *(f"g__{name}" for name in COMPUTED_FIELDS)))


def _audit_values(label: str, total) -> dict:
    return {"计算等次": label or NOT_GRADED, "综合得分": None if total is None else str(total)}


def _audit_of_change(org_id, object_repr: str, old: dict | None, result: engine.GradeResult):
    """The audit entry (object_id, object_repr, before, after) when the computed grade or total changed, else
    None."""
    old_label = old["computed_label"] if old else ""
    old_total = old["total"] if old else None
    if old_label == result.label and old_total == result.total:
        return None
    return str(org_id), object_repr, _audit_values(old_label, old_total), _audit_values(result.label, result.total)


def _recompute(campaign: Campaign, actor, pks=None):
    """Compute and store the grades of the targets of the campaign (those with a pk in `pks` when given); return
    ({org_id: result}, rules, {org_id: override label}).

    Six reads whatever the number of orgs — rules (sectors, scales, bands, root), the targets with their stored
    grade, then grade_inputs (the sheets that count, online, paper and offline votes) — then, only when something
    changed, one transaction with one upsert of the changed grades and one INSERT of the audit entries of changed
    computed grades."""
    rules = sector_rules(campaign)  # first: it brings the campaign's root org, which targets() needs
    target_qs = targets(campaign) if pks is None else targets(campaign).filter(pk__in=pks)
    rows = list(_with_grade(campaign, target_qs))
    inputs = grade_inputs(campaign, [row[0] for row in rows])

    results: dict[int, engine.GradeResult] = {}
    overrides: dict[int, str] = {}
    changed_rows: list[tuple[int, dict]] = []
    audits: list[tuple[str, str, dict, dict]] = []
    for org_id, code, name, sector_id, grade_id, override_label, *stored in rows:
        org_inputs = inputs[org_id]
        result = results[org_id] = compute_for(org_inputs, rules.get(sector_id))
        if override_label:
            overrides[org_id] = override_label
        values = _row_values(org_inputs, result)
        old = dict(zip(COMPUTED_FIELDS, stored, strict=True)) if grade_id is not None else None
        # Decimal equality is numeric (90 == 90.0), so stored and computed values compare directly.
        if old is not None and all(old[k] == values[k] for k in COMPUTED_FIELDS):
            continue
        changed_rows.append((org_id, values))
        audit = _audit_of_change(org_id, f"{name}（{code}）", old, result)
        if audit is not None:
            audits.append(audit)
    if changed_rows:
        now = timezone.now()
        user, actor_name = _actor_fields(actor)
        with transaction.atomic():
            _upsert(campaign, changed_rows, now)
            _insert_audits(audits, action="grade.computed", object_type="branches.org", campaign_id=campaign.pk,
                           user=user, actor_name=actor_name, at=now)
    return results, rules, overrides


def recompute_org(*, campaign: Campaign, org: Org, actor=None) -> Grade:
    """Recompute one 定级对象's grade from its current inputs and return the stored Grade (upserted, explanation
    stored; a change of the computed grade is audited). Override and `reopened` are left as they are."""
    results, _, _ = _recompute(campaign, actor, pks=[org.pk])
    if org.pk not in results:
        raise ValidationError(f"{org.name}不是本次定级工作的定级对象。")
    return Grade.objects.select_related("org").get(campaign=campaign, org_id=org.pk)


def recompute_orgs(*, campaign: Campaign, orgs, actor=None) -> dict[int, engine.GradeResult]:
    """Recompute the grades of several 定级对象 at once (those of `orgs` that are targets of the campaign; others
    are ignored). Returns {org_id: result}."""
    ids = {o.pk for o in orgs}
    if not ids:
        return {}
    results, _, _ = _recompute(campaign, actor, pks=ids)
    return results


def recompute_campaign(*, campaign: Campaign, actor=None) -> dict[str, int]:
    """Recompute every 定级对象 of the campaign. Returns {label: count} for every band label of the campaign's
    scales (in scale order, zeros included) plus "未定级"; counts use the final grade (override if set)."""
    results, rules, overrides = _recompute(campaign, actor)
    counts = dict.fromkeys(labels_of(rules), 0)
    counts[NOT_GRADED] = 0
    for org_id, result in results.items():
        label = overrides.get(org_id) or result.label or NOT_GRADED
        counts[label] = counts.get(label, 0) + 1
    # keep 未定级 last
    not_graded = counts.pop(NOT_GRADED)
    counts[NOT_GRADED] = not_graded
    return counts


def format_counts(counts: dict[str, int]) -> str:
    """"好 3，较好 5，一般 2，较差 0，未定级 4"."""
    return "，".join(f"{label} {n}" for label, n in counts.items())
