"""Campaigns (分类定级工作): creation with their sectors, rubrics, scales and phases; phase moves; phase dates.

Every function validates first, collects every problem into one ValidationError (Chinese messages), and writes
in one transaction with an audit entry. Other apps call `create_campaign` and `set_phase` — keep the signatures.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record
from branches.models import Org, Sector
from campaigns import signals
from campaigns.models import (
    Campaign,
    CampaignSector,
    GradeScale,
    Participation,
    Phase,
    PhaseDate,
    RubricVersion,
    SurveyMode,
    slug_validator,
)
from campaigns.selectors import targets
from core.workbook import PEOPLE, WorkbookError, read_table

ONE = Decimal("1")
DEFAULT_WEIGHTS = (Decimal("0.2"), Decimal("0.3"), Decimal("0.5"))
DEFAULT_TOP_GATE = Decimal("0.900")
DEFAULT_FLOOR_GATE = Decimal("0.500")
DEFAULT_MIN_RESPONSES = 5
DEFAULT_INSTITUTION_TURNOUT = Decimal("0.900")
DEFAULT_VOTE_SHARE = Decimal("0.500")
MAX_COUNT = 100000
WEIGHT_LABELS = ("自评权重", "测评权重", "评定权重")
VILLAGE = "村"
VILLAGE_SCALE = "three"
OTHER_SCALE = "four"
SLUG_MAX = Campaign._meta.get_field("slug").max_length
NAME_MAX = Campaign._meta.get_field("name").max_length
RESERVED_SLUGS = {"new"}  # /campaigns/new/ is the creation page


def default_scale_code(sector_name: str) -> str:
    """SPEC §3: `three` for 村, `four` for every other sector."""
    return VILLAGE_SCALE if sector_name == VILLAGE else OTHER_SCALE


def phase_names() -> str:
    return "、".join(Phase.labels)


def resolve_phase(phase) -> Phase:
    """A Phase from a Phase, its number, or its Chinese name (SPEC §4); else ValidationError naming all nine."""
    if isinstance(phase, Phase):
        return phase
    if isinstance(phase, int) and phase in Phase.values:
        return Phase(phase)
    text = str(phase).strip()
    for p in Phase:
        if text == p.label or (text.isdigit() and int(text) == p.value):
            return p
    raise ValidationError([f"没有阶段“{phase}”。阶段名称只能是：{phase_names()}"])


def _decimal(value, label, errors, places=3, low=Decimal("0"), high=ONE):
    """`value` as a Decimal within [low, high] with at most `places` decimals, else an error appended."""
    if isinstance(value, float):  # never trust binary floats with weights: go through their shortest text
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.append(f"{label}“{value}”不是数字。")
        return None
    if not number.is_finite():
        errors.append(f"{label}“{value}”不是数字。")
        return None
    if number < low or number > high:
        errors.append(f"{label} {value} 必须在 {low} 到 {high} 之间。")
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        errors.append(f"{label} {value} 最多保留 {places} 位小数。")
        return None
    return number


def parse_weights(weights, errors) -> tuple | None:
    """Three non-negative Decimals summing exactly to 1 (Decimal arithmetic), or None with errors appended."""
    if weights is None:
        return DEFAULT_WEIGHTS
    if isinstance(weights, str):
        weights = weights.replace("，", ",").split(",")
    weights = list(weights)
    if len(weights) != 3:
        errors.append(f"权重必须是三个数（自评、测评、评定，如 0.2,0.3,0.5），收到 {len(weights)} 个。")
        return None
    parsed = [_decimal(w, label, errors) for w, label in zip(weights, WEIGHT_LABELS, strict=True)]
    if any(p is None for p in parsed):
        return None
    total = sum(parsed, Decimal("0"))
    if total != ONE:
        errors.append(f"三项权重之和为 {total.normalize():f}，必须正好等于 1（如 0.2,0.3,0.5 或 0,0,1）。")
        return None
    return tuple(parsed)



def _key_to_sector(key, sectors_by_name, sectors_by_pk):
    if isinstance(key, Sector):
        return sectors_by_pk.get(key.pk)
    if isinstance(key, int):
        return sectors_by_pk.get(key)
    return sectors_by_name.get(str(key).strip())


def _resolve_sectors(sectors, errors) -> list[Sector]:
    all_sectors = list(Sector.objects.order_by("order", "name"))
    if sectors is None:
        return all_sectors
    by_name = {s.name: s for s in all_sectors}
    by_pk = {s.pk: s for s in all_sectors}
    chosen = []
    for s in sectors:
        found = _key_to_sector(s, by_name, by_pk)
        if found is None:
            errors.append(f"没有领域“{s}”。现有领域：{'、'.join(by_name)}")
        elif found not in chosen:
            chosen.append(found)
    if not chosen and not errors:
        errors.append("至少要有一个参加定级的领域。")
    return sorted(chosen, key=lambda s: (s.order, s.name))


def _checked_slug(slug, errors) -> str:
    slug = (slug or "").strip()
    if not slug:
        errors.append("请填写代码（用于网址和命令，如 2026-county）。")
        return slug
    try:
        slug_validator(slug)
    except ValidationError:
        errors.append(f"代码“{slug}”只能包含字母、数字、连字符和下划线，且以字母或数字开头。")
    if slug.lower() in RESERVED_SLUGS:
        errors.append(f"代码“{slug}”是系统保留字，请换一个。")
    elif len(slug) > SLUG_MAX:
        errors.append(f"代码超过 {SLUG_MAX} 个字符。")
    elif Campaign.objects.filter(slug=slug).exists():
        errors.append(f"代码“{slug}”已被其他定级工作使用。")
    return slug


def _checked_name(name, errors) -> str:
    name = (name or "").strip()
    if not name:
        errors.append("请填写定级工作名称。")
    elif len(name) > NAME_MAX:
        errors.append(f"名称超过 {NAME_MAX} 个字。")
    return name


def _resolve_root(root, errors) -> Org | None:
    if isinstance(root, Org):
        return root
    root_org = Org.objects.filter(code=str(root or "").strip()).first()
    if root_org is None:
        errors.append(f"没有组织编码为“{root}”的党组织（组织范围）。")
    return root_org


def _checked_year(year, errors):
    """The year as an int in 2000–2100 (this year when None); an error appended otherwise."""
    if year is None:
        year = timezone.localdate().year
    try:
        year = int(year)
    except (TypeError, ValueError):
        errors.append(f"年度“{year}”无效，应为 2000–2100 之间的年份。")
        return year
    if not 2000 <= year <= 2100:
        errors.append(f"年度“{year}”无效，应为 2000–2100 之间的年份。")
    return year


def _gates(top_gate, floor_gate, errors) -> tuple:
    top = _decimal(DEFAULT_TOP_GATE if top_gate is None else top_gate, "最高等次满意率门槛", errors)
    floor = _decimal(DEFAULT_FLOOR_GATE if floor_gate is None else floor_gate, "末等满意率下限", errors)
    if top is not None and floor is not None and floor > top:
        errors.append(f"末等满意率下限 {floor} 不能高于最高等次满意率门槛 {top}。")
    return top, floor


class _SectorChoices:
    """The scale and rubric of every taking-part sector: those named by the caller, else the defaults."""

    def __init__(self, chosen: list[Sector], errors: list[str]):
        self.chosen, self.errors = chosen, errors
        self.by_name = {s.name: s for s in Sector.objects.all()}
        self.by_pk = {s.pk: s for s in self.by_name.values()}
        self.scale_by_code = {s.code: s for s in GradeScale.objects.all()}
        self.scale_for: dict[int, GradeScale] = {}
        self.modes: dict[int, str] = {}  # the sectors with a grade vote
        self.rubric_for: dict[int, RubricVersion] = {}

    def _taking_part(self, key, what: str, unknown: str) -> Sector | None:
        sector = _key_to_sector(key, self.by_name, self.by_pk)
        if sector is None:
            self.errors.append(unknown)
        elif sector not in self.chosen:
            self.errors.append(f"{what}：领域“{sector.name}”没有参加本次定级。")
        else:
            return sector
        return None

    def name_scales(self, scales: dict):
        for key, value in scales.items():
            sector = self._taking_part(key, "等次标准", f"等次标准：没有领域“{key}”。现有领域：{'、'.join(self.by_name)}")
            if sector is None:
                continue
            scale = value if isinstance(value, GradeScale) else self.scale_by_code.get(str(value).strip())
            if scale is None:
                self.errors.append(f"没有等次标准“{value}”（领域“{sector.name}”）。现有：{'、'.join(self.scale_by_code)}")
            else:
                self.scale_for[sector.pk] = scale

    def name_rubrics(self, rubrics: dict):
        for key, value in rubrics.items():
            sector = self._taking_part(key, "评分标准", f"评分标准：没有领域“{key}”。")
            if sector is None:
                continue
            rubric = value if isinstance(value, RubricVersion) else RubricVersion.objects.filter(pk=value).first()
            if rubric is None or rubric.sector_id != sector.pk:
                self.errors.append(f"评分标准“{value}”不属于领域“{sector.name}”。")
            else:
                self.rubric_for[sector.pk] = rubric

    def fill_defaults(self):
        """The sector's newest rubric version and its default scale where none was named."""
        newest = {}
        for r in RubricVersion.objects.filter(sector__in=self.chosen).order_by("sector_id", "-created_at", "-pk"):
            newest.setdefault(r.sector_id, r)
        for sector in self.chosen:
            if sector.pk not in self.rubric_for:
                if sector.pk in newest:
                    self.rubric_for[sector.pk] = newest[sector.pk]
                else:
                    self.errors.append(f"领域“{sector.name}”还没有评分标准：请先导入，或不让该领域参加本次定级。")
            if sector.pk not in self.scale_for:
                self._default_scale(sector)

    def _default_scale(self, sector: Sector):
        code = default_scale_code(sector.name)
        if code in self.scale_by_code:
            self.scale_for[sector.pk] = self.scale_by_code[code]
        else:
            self.errors.append(f"缺少默认等次标准“{code}”（领域“{sector.name}”），请先初始化等次标准。")


def _resolve_previous(previous, root_org, errors) -> Campaign | None:
    """The campaign of the previous round (over the same root), or None."""
    if previous in (None, ""):
        return None
    previous_campaign = previous if isinstance(previous, Campaign) else Campaign.objects.filter(
        slug=str(previous).strip()).first()
    if previous_campaign is None:
        errors.append(f"没有代码为“{previous}”的定级工作（上一轮）。")
    elif root_org is not None and previous_campaign.root_id != root_org.pk:
        errors.append(f"上一轮“{previous_campaign.name}”的组织范围是“{previous_campaign.root}”，"
                      f"与本次“{root_org}”不同；再次评定必须针对同一范围。")
    return previous_campaign


@dataclass
class _NewCampaign:
    """A checked campaign, ready to save."""

    slug: str
    name: str
    year: int
    root: Org
    weights: tuple
    top: Decimal
    floor: Decimal
    previous: Campaign | None
    sectors: _SectorChoices
    survey: dict


def _save_campaign(new: _NewCampaign, actor) -> Campaign:
    """Create the campaign, its CampaignSectors and its 9 PhaseDates in one transaction, audited."""
    ws, wv, wr = new.weights
    choices = new.sectors
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                slug=new.slug, name=new.name, year=new.year, root=new.root, weight_self=ws, weight_survey=wv,
                weight_review=wr, top_gate=new.top, floor_gate=new.floor, previous=new.previous,
                **new.survey, phase=Phase.MOBILISE, created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            CampaignSector.objects.bulk_create([
                CampaignSector(campaign=campaign, sector=s, rubric=choices.rubric_for[s.pk],
                               scale=choices.scale_for[s.pk], floor_gate=s.default_floor_gate,
                               survey_mode=choices.modes.get(s.pk, SurveyMode.SATISFACTION))
                for s in choices.chosen
            ])
            PhaseDate.objects.bulk_create([PhaseDate(campaign=campaign, phase=p) for p in Phase])
            record(actor=actor, action="campaign.create", obj=campaign, campaign_id=campaign.pk,
                   after=_creation_audit(new))
    except IntegrityError:  # a concurrent creation took the slug between the check and the insert
        raise ValidationError([f"代码“{new.slug}”已被其他定级工作使用。"])
    return campaign


def _creation_audit(new: _NewCampaign) -> dict:
    choices = new.sectors
    return {
        "代码": new.slug, "名称": new.name, "年度": new.year, "组织范围": new.root.code,
        "权重": [str(w) for w in new.weights], "最高等次门槛": str(new.top), "末等下限": str(new.floor),
        "领域": [{"领域": s.name, "评分标准": choices.rubric_for[s.pk].name, "等次标准": choices.scale_for[s.pk].code,
                  "末等下限": str(s.default_floor_gate) if s.default_floor_gate is not None else ""}
                 for s in choices.chosen],
        "上一轮": new.previous.slug if new.previous else "",
        **_survey_audit(new.survey),
    }


def _count(value, label, errors, default):
    """`value` as an int in 0..MAX_COUNT (None/"" → `default`), else an error appended."""
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.append(f"{label}“{value}”不是整数。")
        return None
    if isinstance(value, bool) or not 0 <= number <= MAX_COUNT:
        errors.append(f"{label} {value} 必须在 0 到 {MAX_COUNT} 之间。")
        return None
    return number


def _survey_settings(errors, *, min_responses=None, masses_per_org=None, institution_turnout="default") -> dict:
    """The checked who-votes settings of a campaign: the minimum of respondents (default 5, 0 = none), the
    群众代表 number per org (default 0) and the 机关事业单位 turnout share (default 0.90; None or "" = none)."""
    share = DEFAULT_INSTITUTION_TURNOUT if institution_turnout == "default" else institution_turnout
    if share is not None and str(share).strip() != "":
        share = _decimal(share, "机关事业单位参评率要求", errors)
    else:
        share = None
    return {"min_responses": _count(min_responses, "最少测评人数", errors, DEFAULT_MIN_RESPONSES),
            "masses_per_org": _count(masses_per_org, "每个党组织应参评群众代表数", errors, 0),
            "institution_turnout": share}


def _vote_share(value, errors):
    share = _decimal(DEFAULT_VOTE_SHARE if value in (None, "") else value, "等次投票当选比例", errors)
    if share is not None and share <= 0:
        errors.append("等次投票当选比例必须大于 0。")
        return None
    return share


def _grade_vote_modes(grade_votes: dict, chosen_by_name: dict, errors) -> dict:
    """{sector_id: mode} from {sector (or name): "instead" | "beside" | "satisfaction"}."""
    modes = {}
    for key, mode in (grade_votes or {}).items():
        name = getattr(key, "name", str(key).strip())
        sector = chosen_by_name.get(name)
        if sector is None:
            errors.append(f"等次投票：领域“{name}”没有参加本次定级。")
            continue
        if mode not in SurveyMode.values:
            errors.append(f"等次投票：领域“{name}”的方式“{mode}”无效，应为 instead（代替满意度）或 beside（并行）。")
            continue
        modes[sector.pk] = mode
    return modes


def _survey_audit(settings: dict) -> dict:
    share = settings["institution_turnout"]
    extra = {"等次投票当选比例": str(settings["vote_share"])} if "vote_share" in settings else {}
    return {**extra, "最少测评人数": settings["min_responses"], "群众代表数": settings["masses_per_org"],
            "机关事业单位参评率要求": "" if share is None else str(share)}


def create_campaign(*, slug, name, root, year=None, weights=None, top_gate=None, floor_gate=None, sectors=None,
                    scales=None, rubrics=None, previous=None, min_responses=None, masses_per_org=None,
                    institution_turnout="default", grade_votes=None, vote_share=None, actor) -> Campaign:
    """A new campaign in phase 动员部署 with one CampaignSector per taking-part sector and 9 PhaseDate rows.

    - root: an Org or its 组织编码; previous: a Campaign or slug over the same root (a second round).
    - weights: (S, V, R), non-negative, exactly summing to 1 (default 0.2/0.3/0.5); gates within 0..1.
    - sectors: Sectors or names (default: all); scales/rubrics: {sector (or name): scale code or GradeScale /
      RubricVersion or pk}. Unnamed sectors take `three` (村) or `four`, and the sector's newest rubric version.
    - each CampaignSector's floor gate comes from Sector.default_floor_gate (机关事业单位 0.60).
    - min_responses: the minimum of respondents per org (default 5, 0 = none); masses_per_org: the 群众代表
      expected per org beside its 党员 (default 0); institution_turnout: the share of expected participants
      below which a 机关事业单位 org is flagged (default 0.90, None = none).
    - grade_votes: {sector (or name): "instead" | "beside"} — the sectors whose survey asks for a grade of the
      scale (issue 17); vote_share: the share of valid votes a grade needs from the top (default 0.5).
    Raises ValidationError listing every problem; nothing is saved then. Audited."""
    errors: list[str] = []
    slug, name = _checked_slug(slug, errors), _checked_name(name, errors)
    root_org = _resolve_root(root, errors)
    year = _checked_year(year, errors)
    parsed_weights = parse_weights(weights, errors)
    top, floor = _gates(top_gate, floor_gate, errors)
    choices = _SectorChoices(_resolve_sectors(sectors, errors), errors)
    choices.name_scales(scales or {})
    choices.name_rubrics(rubrics or {})
    choices.fill_defaults()
    previous_campaign = _resolve_previous(previous, root_org, errors)
    survey = _survey_settings(errors, min_responses=min_responses, masses_per_org=masses_per_org,
                              institution_turnout=institution_turnout)
    survey["vote_share"] = _vote_share(vote_share, errors)
    choices.modes = _grade_vote_modes(grade_votes, {sec.name: sec for sec in choices.chosen}, errors)
    if errors:
        raise ValidationError(errors)
    return _save_campaign(_NewCampaign(slug=slug, name=name, year=year, root=root_org, weights=parsed_weights,
                                       top=top, floor=floor, previous=previous_campaign, sectors=choices,
                                       survey=survey), actor)


def update_survey_settings(*, campaign: Campaign, min_responses, masses_per_org, institution_turnout,
                           actor) -> Campaign:
    """Change who votes in `campaign`: the minimum of respondents, the 群众代表 number per org and the
    机关事业单位 turnout share (as create_campaign checks them). ValidationError lists every problem. Audited."""
    errors: list[str] = []
    settings = _survey_settings(errors, min_responses=min_responses, masses_per_org=masses_per_org,
                                institution_turnout=institution_turnout)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = _survey_audit({k: getattr(locked, k) for k in settings})
        for key, value in settings.items():
            setattr(locked, key, value)
        locked.save(update_fields=list(settings))
        record(actor=actor, action="campaign.survey_settings", obj=locked, campaign_id=locked.pk, before=before,
               after=_survey_audit(settings))
    for key, value in settings.items():
        setattr(campaign, key, value)
    return campaign


def set_participation(*, campaign: Campaign, org: Org, members, masses, actor) -> Participation | None:
    """Set the 应参评党员数 and 应参评群众代表数 of one 定级对象; both blank removes the row (back to the default:
    党员人数 + the campaign's 群众代表 number). ValidationError otherwise. Audited."""
    if not targets(campaign).filter(pk=org.pk).exists():
        raise ValidationError([f"“{org.name}”不是本次定级工作的定级对象。"])
    errors: list[str] = []
    blank = all(v is None or str(v).strip() == "" for v in (members, masses))
    if not blank:
        members = _count(members, "应参评党员数", errors, None)
        masses = _count(masses, "应参评群众代表数", errors, None)
        if not errors and (members is None or masses is None):
            errors.append("应参评党员数和应参评群众代表数须同时填写，或同时留空（按默认）。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = Participation.objects.select_for_update().filter(campaign=campaign, org=org).first()
        before = {"党员": old.members, "群众代表": old.masses} if old else {}
        row = None
        if blank:
            if old is not None:
                old.delete()
        else:
            row, _ = Participation.objects.update_or_create(campaign=campaign, org=org,
                                                            defaults={"members": members, "masses": masses})
        record(actor=actor, action="campaign.participation", obj=org, campaign_id=campaign.pk, before=before,
               after={"党员": members, "群众代表": masses} if row else {})
    return row


def set_phase(*, campaign: Campaign, phase, actor, reason="") -> Campaign:
    """Move `campaign` to `phase` (a Phase, number or Chinese name), forward or back; audited with the phase
    labels before and after, and campaigns.signals.phase_changed sent in the same transaction. Moving to the
    current phase changes nothing and records nothing."""
    target = resolve_phase(phase)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.phase == target:
            campaign.phase = locked.phase
            return campaign
        before_value = locked.phase
        before = Phase(before_value).label
        locked.phase = target
        locked.save(update_fields=["phase"])
        record(actor=actor, action="campaign.phase", obj=locked, campaign_id=locked.pk,
               before={"阶段": before}, after={"阶段": target.label}, reason=reason or "")
        signals.phase_changed.send(sender=Campaign, campaign=locked, before=Phase(before_value), after=target)
    campaign.phase = target
    return campaign


def _checked_dates(dates: dict) -> dict:
    """{phase value: (starts_on, ends_on)}, or ValidationError naming every phase with an invalid date or an end
    before its start."""
    errors = []
    cleaned = {}
    for key, (start, end) in dates.items():
        p = resolve_phase(key)
        errors += [f"{p.label}：日期“{d}”无效。" for d in (start, end) if d is not None and not isinstance(d, date)]
        if isinstance(start, date) and isinstance(end, date) and end < start:
            errors.append(f"{p.label}：结束日期 {end} 早于开始日期 {start}。")
        cleaned[p.value] = (start, end)
    if errors:
        raise ValidationError(errors)
    return cleaned


def update_phase_dates(*, campaign: Campaign, dates: dict, actor) -> Campaign:
    """Set the start/end dates of phases: `dates` maps a phase to (starts_on, ends_on), either may be None.
    An end before its start is refused (every such phase named). Audited with the changed phases only."""
    cleaned = _checked_dates(dates)
    with transaction.atomic():
        rows = {d.phase: d for d in PhaseDate.objects.select_for_update().filter(campaign=campaign)}
        before, after = {}, {}
        for value, (start, end) in cleaned.items():
            row = rows.get(value) or PhaseDate(campaign=campaign, phase=value)
            if row.starts_on == start and row.ends_on == end:  # unchanged (a missing row counts as blank)
                continue
            label = Phase(value).label
            before[label] = [_iso(row.starts_on), _iso(row.ends_on)] if row.pk else None
            after[label] = [_iso(start), _iso(end)]
            row.starts_on, row.ends_on = start, end
            row.save()
        if after:
            record(actor=actor, action="campaign.dates", obj=campaign, campaign_id=campaign.pk,
                   before=before, after=after)
    return campaign


def _iso(d):
    return d.isoformat() if d else ""


def update_grade_vote(*, campaign: Campaign, modes: dict, vote_share, actor) -> Campaign:
    """Set what each taking-part sector's survey asks ({sector id or name: "satisfaction" | "instead" |
    "beside"}) and the campaign's vote share. Refused once 上级评定 has started (the votes are cast). Audited."""
    errors: list[str] = []
    if campaign.phase > Phase.SURVEY:
        errors.append(f"当前阶段为“{campaign.phase_label}”，测评已结束，不能再改变测评方式。")
    share = _vote_share(vote_share, errors)
    sectors = {cs.sector_id: cs for cs in CampaignSector.objects.filter(campaign=campaign).select_related("sector")}
    by_key = {**{str(k): cs for k, cs in sectors.items()}, **{cs.sector.name: cs for cs in sectors.values()}}
    changes = {}
    for key, mode in modes.items():
        cs = by_key.get(str(getattr(key, "pk", key)))
        if cs is None:
            errors.append(f"领域“{key}”没有参加本次定级。")
        elif mode not in SurveyMode.values:
            errors.append(f"领域“{cs.sector.name}”的测评方式“{mode}”无效。")
        elif cs.survey_mode != mode:
            changes[cs] = mode
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = {"当选比例": str(campaign.vote_share), **{cs.sector.name: cs.survey_mode for cs in changes}}
        for cs, mode in changes.items():
            cs.survey_mode = mode
            cs.save(update_fields=["survey_mode"])
        Campaign.objects.filter(pk=campaign.pk).update(vote_share=share)
        campaign.vote_share = share
        record(actor=actor, action="campaign.grade_vote", obj=campaign, campaign_id=campaign.pk, before=before,
               after={"当选比例": str(share), **{cs.sector.name: mode for cs, mode in changes.items()}})
    return campaign


PARTICIPATION_COLUMNS = ("组织编码", "应参评党员数", "应参评群众代表数")


def import_participation(*, campaign: Campaign, fileobj, actor) -> int:
    """Set the expected participants of the 定级对象 listed in a workbook with the columns 组织编码, 应参评党员数,
    应参评群众代表数 (other columns ignored). All or nothing: ValidationError lists every problem (an unknown or
    repeated code, an org that is not a 定级对象, a count that is not a whole number) and nothing is saved.
    Returns the number of orgs set. Audited with the count."""
    try:
        table = read_table(fileobj, columns=PARTICIPATION_COLUMNS, caps=PEOPLE)
    except WorkbookError as exc:
        raise ValidationError(exc.messages)
    by_code = {o.code: o for o in targets(campaign)}
    errors: list[str] = []
    values: dict[int, tuple[int, int]] = {}
    for row in table.rows:
        code = row.text("组织编码")
        org = by_code.get(code)
        if org is None:
            errors.append(f"第 {row.number} 行：“{code}”不是本次定级工作的定级对象。")
            continue
        if org.pk in values:
            errors.append(f"第 {row.number} 行：组织编码“{code}”重复。")
            continue
        problems: list[str] = []
        members = _count(row.text("应参评党员数"), f"第 {row.number} 行应参评党员数", problems, None)
        masses = _count(row.text("应参评群众代表数"), f"第 {row.number} 行应参评群众代表数", problems, None)
        if not problems and (members is None or masses is None):
            problems.append(f"第 {row.number} 行：应参评党员数和应参评群众代表数都须填写。")
        errors.extend(problems)
        if not problems:
            values[org.pk] = (members, masses)
    if not values and not errors:
        errors.append("工作簿中没有数据行。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Participation.objects.filter(campaign=campaign, org_id__in=list(values)).delete()
        Participation.objects.bulk_create([Participation(campaign=campaign, org_id=pk, members=m, masses=k)
                                           for pk, (m, k) in values.items()])
        record(actor=actor, action="campaign.participation_imported", obj=campaign, campaign_id=campaign.pk,
               after={"党组织数": len(values)})
    return len(values)
