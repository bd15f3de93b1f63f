"""Grades: run the engine (scoring/engine.py) on each 定级对象's inputs (scoring.selectors.grade_inputs) and
store the result.

The computation is bulk: a full recompute reads everything in six queries (sectors with scales and bands; the
targets with their stored grade; the sheets that count; online, paper and offline votes), computes in Python and
writes only the rows that changed with one upsert statement, then appends one audit entry per changed computed
grade with one INSERT executed for all of them. The query count does not grow with the number of orgs.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from audit.services import Change, record_many
from branches.models import Org
from campaigns.models import Campaign
from campaigns.selectors import targets
from scoring import db, engine
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
                                policy=None if rules is None else rules.policy, responses=inputs.responses,
                                grade_votes=inputs.grade_votes)


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
    return Change(str(org_id), object_repr, _audit_values(old_label, old_total),
                  _audit_values(result.label, result.total))


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
    audits: list[Change] = []
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
        with transaction.atomic():
            db.upsert_grades(campaign_id=campaign.pk, columns=COMPUTED_FIELDS, rows=changed_rows, now=now)
            record_many(audits, actor=actor, action="grade.computed", object_type="branches.org",
                        campaign_id=campaign.pk)
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
