"""Grades: gather each 定级对象's inputs, run the engine (scoring/engine.py), store the result.

The computation is bulk: a full recompute reads everything in six queries (sectors with scales and bands; the
targets with their stored grade; submitted sheets; online, paper and offline votes), computes in Python and
writes only the rows that changed with one upsert statement, then appends one audit entry per changed computed
grade with one INSERT executed for all of them. The query count does not grow with the number of orgs.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone

from audit.services import Change, record_many
from branches.models import Org
from campaigns.models import Campaign, CampaignSector
from campaigns.selectors import targets
from scoring import db, engine
from scoring.models import Grade, OfflineVotes, ScoreSheet, SheetKind, SheetStatus
from surveys.selectors import VoteCount, vote_counts

NOT_GRADED = "未定级"

# The Grade columns a computation owns. Override, reopened (公示 objections) and ids are never touched here.
COMPUTED_FIELDS = ("self_score", "votes_satisfied", "votes_basic", "votes_unsatisfied", "review_score", "total",
                   "computed_label", "explanation")


@dataclass(frozen=True)
class SectorRules:
    """What the engine needs for the orgs of one sector in one campaign."""

    campaign_sector: CampaignSector
    policy: engine.Policy
    floor_gate: Decimal | None

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.policy.bands]


def effective_floor_gate(campaign_sector: CampaignSector) -> Decimal:
    """The floor gate of a sector in a campaign: the campaign sector's own value if set, else the sector's default
    (机关事业单位 0.60), else the campaign's (0.50 by default)."""
    if campaign_sector.floor_gate is not None:
        return campaign_sector.floor_gate
    if campaign_sector.sector.default_floor_gate is not None:
        return campaign_sector.sector.default_floor_gate
    return campaign_sector.campaign.floor_gate


def sector_rules(campaign: Campaign) -> dict[int, SectorRules]:
    """{sector_id: SectorRules} for every sector taking part. One query (campaign sectors with their sector, scale
    and bands; the campaign's root org comes along and is cached on `campaign` for targets())."""
    rows = (CampaignSector.objects.filter(campaign=campaign)
            .select_related("sector", "scale", "campaign__root")
            .annotate(band_label=F("scale__bands__label"), band_min=F("scale__bands__min_score"))
            .order_by("pk", "-band_min"))
    sectors: dict[int, CampaignSector] = {}
    bands: dict[int, list] = {}
    for cs in rows:
        if cs.pk not in sectors:
            sectors[cs.pk] = cs
            bands[cs.pk] = []
        if cs.band_label is not None:
            bands[cs.pk].append(engine.Band(cs.band_label, cs.band_min))
    rules = {}
    for cs in sectors.values():
        if not Campaign.root.is_cached(campaign) and cs.campaign.root_id == campaign.root_id:
            campaign.root = cs.campaign.root
        cs.campaign = campaign
        floor = effective_floor_gate(cs)
        policy = engine.Policy(
            weights=campaign.weights, bands=tuple(bands[cs.pk]),
            top_gate=campaign.top_gate, floor_gate=floor, gates_apply=cs.scale.gates_apply,
        )
        rules[cs.sector_id] = SectorRules(cs, policy, floor)
    return rules


@dataclass
class OrgInputs:
    self_score: Decimal | None = None
    review_score: Decimal | None = None
    votes: VoteCount | None = None


def offline_vote_counts(campaign: Campaign, org_ids=None) -> dict[int, VoteCount]:
    qs = OfflineVotes.objects.filter(campaign=campaign)
    if org_ids is not None:
        qs = qs.filter(org_id__in=org_ids)
    return {o: VoteCount(s, b, u) for o, s, b, u in qs.values_list("org_id", "satisfied", "basic", "unsatisfied")}


def all_vote_counts(campaign: Campaign, org_ids=None) -> dict[int, VoteCount]:
    """Online responses + confirmed paper tallies (surveys.vote_counts) + votes imported from paper here. Three
    queries."""
    counts = vote_counts(campaign, org_ids)
    for org_id, extra in offline_vote_counts(campaign, org_ids).items():
        counts[org_id] = counts.get(org_id, VoteCount()) + extra
    return counts


def gather_inputs(campaign: Campaign, org_ids=None) -> dict[int, OrgInputs]:
    """{org_id: OrgInputs}: the submitted self score, the completed review score and the vote tally. Orgs with no
    input at all are absent. Four queries."""
    sheets = ScoreSheet.objects.filter(campaign=campaign, status=SheetStatus.SUBMITTED, total__isnull=False)
    if org_ids is not None:
        sheets = sheets.filter(org_id__in=org_ids)
    inputs: dict[int, OrgInputs] = {}
    for org_id, kind, total in sheets.values_list("org_id", "kind", "total"):
        entry = inputs.setdefault(org_id, OrgInputs())
        if kind == SheetKind.SELF:
            entry.self_score = total
        else:
            entry.review_score = total
    for org_id, votes in all_vote_counts(campaign, org_ids).items():
        if votes.total:
            inputs.setdefault(org_id, OrgInputs()).votes = votes
    return inputs


def compute_for(org_inputs: OrgInputs | None, rules: SectorRules | None) -> engine.GradeResult:
    """The engine's result for one org (no database access)."""
    org_inputs = org_inputs or OrgInputs()
    if rules is None:
        return engine.GradeResult(None, None, "", None, None, None, "未定级：该领域未参加本次定级", "该领域未参加本次定级")
    v = org_inputs.votes
    return engine.compute_grade(
        self_score=org_inputs.self_score,
        votes=None if v is None else engine.Votes(v.satisfied, v.basic, v.unsatisfied),
        review_score=org_inputs.review_score,
        policy=rules.policy,
    )


def _row_values(org_inputs: OrgInputs | None, result: engine.GradeResult) -> dict:
    org_inputs = org_inputs or OrgInputs()
    v = org_inputs.votes
    return {
        "self_score": org_inputs.self_score,
        "votes_satisfied": v.satisfied if v else None,
        "votes_basic": v.basic if v else None,
        "votes_unsatisfied": v.unsatisfied if v else None,
        "review_score": org_inputs.review_score,
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


def _submitted_totals(campaign: Campaign, org_ids=None) -> dict[int, list]:
    """{org_id: [self total, review total]} of the submitted sheets. One query."""
    sheets = ScoreSheet.objects.filter(campaign=campaign, status=SheetStatus.SUBMITTED, total__isnull=False)
    if org_ids is not None:
        sheets = sheets.filter(org_id__in=org_ids)
    totals: dict[int, list] = {}
    for org_id, kind, total in sheets.values_list("org_id", "kind", "total"):
        totals.setdefault(org_id, [None, None])[0 if kind == SheetKind.SELF else 1] = total
    return totals


def _recompute(campaign: Campaign, actor, pks=None):
    """Compute and store the grades of the targets of the campaign (those with a pk in `pks` when given); return
    ({org_id: result}, rules, {org_id: override label}).

    Six reads whatever the number of orgs — rules (sectors, scales, bands, root), the targets with their stored
    grade, submitted sheets, online, paper and offline votes — then, only when something changed, one transaction
    with one upsert of the changed grades and one INSERT of the audit entries of changed computed grades."""
    rules = sector_rules(campaign)  # first: it brings the campaign's root org, which targets() needs
    target_qs = targets(campaign) if pks is None else targets(campaign).filter(pk__in=pks)
    rows = list(_with_grade(campaign, target_qs))
    org_ids = None if len(rows) > 500 else [row[0] for row in rows]
    totals = _submitted_totals(campaign, org_ids)
    votes = {org_id: v for org_id, v in all_vote_counts(campaign, org_ids).items() if v.total}

    now = timezone.now()
    results: dict[int, engine.GradeResult] = {}
    overrides: dict[int, str] = {}
    changed_rows: list[tuple[int, dict]] = []
    audits: list[Change] = []
    no_sheets = (None, None)
    for org_id, code, name, sector_id, grade_id, override_label, *stored in rows:
        self_score, review_score = totals.get(org_id, no_sheets)
        org_votes = votes.get(org_id)
        org_inputs = (OrgInputs(self_score, review_score, org_votes)
                      if self_score is not None or review_score is not None or org_votes is not None else None)
        result = compute_for(org_inputs, rules.get(sector_id))
        results[org_id] = result
        values = _row_values(org_inputs, result)
        old = dict(zip(COMPUTED_FIELDS, stored)) if grade_id is not None else None
        if override_label:
            overrides[org_id] = override_label
        # Decimal equality is numeric (90 == 90.0), so stored and computed values compare directly.
        if old is not None and all(old[k] == values[k] for k in COMPUTED_FIELDS):
            continue
        changed_rows.append((org_id, values))
        old_label = old["computed_label"] if old else ""
        old_total = old["total"] if old else None
        if old_label != result.label or old_total != result.total:
            audits.append(Change(
                str(org_id), f"{name}（{code}）",
                {"计算等次": old_label or NOT_GRADED, "综合得分": None if old_total is None else str(old_total)},
                {"计算等次": result.label or NOT_GRADED, "综合得分": None if result.total is None else str(result.total)},
            ))
    if changed_rows or audits:
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
    counts = {label: 0 for label in labels_of(rules)}
    counts[NOT_GRADED] = 0
    for org_id, result in results.items():
        label = overrides.get(org_id) or result.label or NOT_GRADED
        counts[label] = counts.get(label, 0) + 1
    # keep 未定级 last
    not_graded = counts.pop(NOT_GRADED)
    counts[NOT_GRADED] = not_graded
    return counts


def labels_of(rules: dict[int, SectorRules]) -> list[str]:
    """Every band label of the given sectors' scales, each once: scale by scale (the scale most sectors use
    first), best band first within a scale."""
    by_scale: dict[int, list] = {}
    for r in rules.values():
        by_scale.setdefault(r.campaign_sector.scale_id, []).append(r)
    ordered = sorted(by_scale.values(), key=lambda rs: (-len(rs), rs[0].campaign_sector.scale.code))
    labels: list[str] = []
    for rs in ordered:
        for label in rs[0].labels:
            if label not in labels:
                labels.append(label)
    return labels


def campaign_labels(campaign: Campaign) -> list[str]:
    """labels_of(sector_rules(campaign))."""
    return labels_of(sector_rules(campaign))


def format_counts(counts: dict[str, int]) -> str:
    """"好 3，较好 5，一般 2，较差 0，未定级 4"."""
    return "，".join(f"{label} {n}" for label, n in counts.items())
