"""Write paths of the survey app: issuing codes, answering, paper double entry. Keyword-only, one transaction each,
audited (issuing and paper entry; an answer is never audited — that would record who and when)."""
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from audit.services import record
from branches.models import Org
from campaigns.models import Campaign, Indicator, Phase
from campaigns.selectors import targets
from surveys import db, mixer, signals, tokens
from surveys.models import (
    Answer,
    CodesIssued,
    DefaultCategory,
    PaperEntry,
    RespondentCategory,
    StagedResponse,
    SurveyResponse,
    SurveyToken,
)
from surveys.selectors import (
    DEFAULT_CATEGORIES,
    PaperStatus,
    campaign_categories,
    category_rows,
    grade_labels_of,
    paper_labels,
    paper_status,
    survey_mode_of,
)

MAX_ISSUE = 1000
UNKNOWN_OR_USED = "测评码无效或已使用。请核对测评票上的测评码；每个测评码只能提交一次。"
_random = random.SystemRandom()
SUGGESTIONS_MAX = 500
PAPER_MAX = 100000


class SurveyError(ValueError):
    """A refused survey action; str() is the Chinese message shown to the user."""


class TokenUnknown(SurveyError):
    pass


class TokenUsed(TokenUnknown):
    """Kept for callers that name it: a used code is deleted, so it is refused as unknown."""


class SurveyClosed(SurveyError):
    pass


def _check_target(campaign, org):
    if not targets(campaign).filter(pk=org.pk).exists():
        raise SurveyError(f"“{org.name}”不是本次定级工作的定级对象。")


def issue_tokens(*, campaign, org, count, actor=None) -> list[str]:
    """Create `count` new unused codes for `org` in `campaign` and return them (canonical form) in random order.
    The codes exist only in the return value: the database keeps their digests, under random keys, inserted in
    another random order. Audited with the count, never the codes."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ISSUE:
        raise SurveyError(f"发放数量必须是 1 到 {MAX_ISSUE} 之间的整数。")
    _check_target(campaign, org)
    if campaign.phase > Phase.SURVEY:
        raise SurveyError(f"当前阶段为“{campaign.phase_label}”，党员群众测评已结束，不能再发放测评码。")
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(tokens.new_code())
    ordered, stored = list(codes), list(codes)
    _random.shuffle(ordered)  # the slips' and the CSV's order says nothing about the rows
    _random.shuffle(stored)
    with transaction.atomic():
        SurveyToken.objects.bulk_create(
            [SurveyToken(digest=tokens.digest(c), campaign=campaign, org=org) for c in stored]
        )
        issued, _ = CodesIssued.objects.get_or_create(campaign=campaign, org=org)
        CodesIssued.objects.filter(pk=issued.pk).update(count=F("count") + count)
        record(actor=actor, action="survey.tokens_issued", obj=org, after={"count": count},
               campaign_id=campaign.pk)
    return ordered


@dataclass(frozen=True)
class TokenTarget:
    """What a valid, unused code opens: the token's row id (never stored anywhere else), the campaign, the org
    and the indicators of the org's rubric (see open_token)."""

    token_id: int
    campaign: object
    org: object
    indicators: tuple


def open_token(code: str | None) -> TokenTarget:
    """What an unused code whose survey is open leads to; TokenUnknown (unknown or used: a used code's row is
    gone) / SurveyClosed otherwise. One query: the token with its campaign, its org and the indicators of the
    rubric the campaign uses for the org's sector (one row per indicator, outer-joined so a rubric without
    indicators still finds the token). The campaign, org and indicators come back as model instances holding the
    columns read (name, phase, code, sector; indicator name and position); any other field is loaded on first
    access."""
    canonical = tokens.normalise(code or "")
    rows = db.token_rows(tokens.digest(canonical)) if canonical else []
    if not rows:
        raise TokenUnknown(UNKNOWN_OR_USED)
    token_id, campaign_id, phase, campaign_name, org_id, org_name, org_code, sector_id = rows[0][:8]
    if phase != Phase.SURVEY:
        raise SurveyClosed("党员群众测评当前未开放，暂不接受提交。")
    campaign = _loaded(Campaign, id=campaign_id, phase=phase, name=campaign_name)
    org = _loaded(Org, id=org_id, name=org_name, code=org_code, sector_id=sector_id)
    indicators = tuple(_loaded(Indicator, id=row[8], name=row[9], position=row[10]) for row in rows
                       if row[8] is not None)
    return TokenTarget(token_id, campaign, org, indicators)


def _loaded(model, **values):
    """An instance as the ORM would load it with only these columns (attnames); the others load on access."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(SurveyToken.objects.db, fields, [values[name] for name in fields])


def _clean_answers(overall, category, suggestions, categories=None, *, grade_vote="", grade_labels=()) -> str:
    """Check the answer values every submission path shares; returns the stripped suggestions. `categories`: the
    keys the campaign offers (None: the default keys, for the path that does not read the campaign);
    `grade_labels`: the band labels a grade vote may name (empty: the survey asks for none)."""
    if grade_vote and grade_vote not in grade_labels:
        raise SurveyError("等次投票选项无效。")
    if overall is None and not grade_vote:
        raise SurveyError("请选择对该党组织的总体评价。" if not grade_labels else "请选择您评定的等次。")
    if overall is not None and overall not in Answer.values:
        raise SurveyError("请选择对该党组织的总体评价。")
    if category not in ("", *(DefaultCategory.values if categories is None else categories)):
        raise SurveyError("身份选项无效。")
    suggestions = (suggestions or "").strip()
    if len(suggestions) > SUGGESTIONS_MAX:
        raise SurveyError(f"意见建议不能超过 {SUGGESTIONS_MAX} 字。")
    return suggestions


def _asked_grade_labels(target: TokenTarget, overall, grade_vote) -> list[str]:
    """The band labels the org's survey lets a respondent vote for ([] without a grade vote), once the answers
    hold what it asks: SurveyError when the grade vote or the overall question it asks is not answered."""
    mode = survey_mode_of(target.campaign, target.org)
    if mode.grade_vote and not grade_vote:
        raise SurveyError("请选择您评定的等次。")
    if mode.satisfaction and overall is None:
        raise SurveyError("请选择对该党组织的总体评价。")
    return grade_labels_of(target.campaign, target.org) if mode.grade_vote else []


def submit_response(*, overall, indicator_answers=None, category="", suggestions="", code=None,
                    target: TokenTarget | None = None, grade_vote="") -> None:
    """Consume a code and stage one anonymous answer, in one transaction: the token row is deleted (a DELETE whose
    row count must be 1, so a code posted by many clients at once counts exactly once) and the answer staged
    (surveys.db.consume_token; one statement on PostgreSQL); the mixer runs when a batch is staged. Give `code`, or
    the `target` that open_token(code) returned in the same request (the survey phase is checked there). Returns
    nothing: nothing about the stored row leaves this function."""
    if target is None:
        target = open_token(code)
    keys = [key for key, _ in campaign_categories(target.campaign)] if category else None
    labels = _asked_grade_labels(target, overall, grade_vote)
    suggestions = _clean_answers(overall, category, suggestions, keys, grade_vote=grade_vote, grade_labels=labels)
    allowed = {str(i.pk) for i in target.indicators}
    answers = {}
    for key, value in dict(indicator_answers or {}).items():
        if str(key) not in allowed or value not in Answer.values:
            raise SurveyError("分项评价包含无效的指标或选项。")
        answers[str(key)] = int(value)
    stored = db.consume_token(target.token_id, campaign_id=target.campaign.pk, org_id=target.org.pk,
                              overall=overall, category=category, indicator_answers=answers, suggestions=suggestions,
                              grade_vote=grade_vote)
    if stored is None:
        raise TokenUnknown(UNKNOWN_OR_USED)
    _mix_when_due(stored)


def _mix_when_due(stored: db.Stored) -> None:
    """Run the mixer once a batch of answers is staged (its transaction is separate from the answer's)."""
    if stored.staged >= mixer.MIX_BATCH:
        mixer.mix_staged(stored.campaign_id)


def answer_by_code(*, code, overall, indicator_answers=None, category="", suggestions="", client=None) -> bool:
    """The respondent form's usual case in as little work as possible: consume `code` and store the answers if —
    and only if — the code is unused, its survey is open, every answered indicator (a key of `indicator_answers`,
    an indicator id) belongs to the rubric the campaign uses for the code's org and `client` (guard.client_key),
    when given, is not over its guessing limit. Returns whether it stored them. False says nothing about why: the
    caller then asks the guard and open_token, whose errors say it (the unknown-code guard counts there). Answer
    values must be valid (SurveyError otherwise).

    Recorded by surveys.db.consume_code: on PostgreSQL ONE statement — the lookup by digest, the guard, phase and
    indicator checks, the consuming DELETE and the INSERT into the staging table, atomic on its own; many clients
    posting one code at once store one answer (a concurrent DELETE of the row deletes nothing). When that brings
    the campaign's staged answers to a batch, the mixer moves them (surveys.mixer)."""
    suggestions = _clean_answers(overall, category, suggestions)
    answers = {str(k): int(v) for k, v in dict(indicator_answers or {}).items()}
    if any(not k.isascii() or not k.isdigit() or v not in Answer.values for k, v in answers.items()):
        raise SurveyError("分项评价包含无效的指标或选项。")
    canonical = tokens.normalise(code or "")
    if not canonical:
        return False
    stored = db.consume_code(tokens.digest(canonical), client=client or "", overall=overall, category=category,
                             indicator_answers=answers, suggestions=suggestions)
    if stored is None:
        return False
    _mix_when_due(stored)
    return True


# ---- paper ballots (纸质测评票) -------------------------------------------------------------------------------

ANSWER_LABELS = ("满意", "基本满意", "不满意")


def _grade_counts(raw_grade, grade_labels, problems) -> dict | None:
    """The grade vote's counts {band label: n} of a paper entry, every label given (0 for none)."""
    raw_grade = dict(raw_grade or {})
    unknown = set(raw_grade) - set(grade_labels)
    if unknown:
        problems.append(f"未知的等次：{'、'.join(sorted(unknown))}。")
    out = {}
    for label in grade_labels:
        value = raw_grade.get(label)
        if value in (None, ""):
            problems.append(f"{label}票：请填写票数（没有填 0）。")
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            problems.append(f"{label}票：“{value}”不是整数。")
            continue
        if isinstance(value, float) and value != number or not 0 <= number <= PAPER_MAX:
            problems.append(f"{label}票：必须是 0 到 {PAPER_MAX} 之间的整数。")
            continue
        out[label] = number
    if len(out) == len(grade_labels) and not sum(out.values()):
        problems.append("等次投票：票数合计为 0，没有可录入的测评票。")
    return out if len(out) == len(grade_labels) else None


def _grade_part(raw_grade, grade_labels, problems) -> dict:
    """{"grade": {band label: count}} of a paper entry when its survey has a grade vote ({} otherwise, or when the
    counts have problems — appended to `problems`)."""
    if not grade_labels:
        if raw_grade is not None:
            problems.append("本领域的测评不设等次投票。")
        return {}
    grade = _grade_counts(raw_grade, grade_labels, problems)
    return {} if grade is None else {"grade": grade}


def normalise_paper_counts(raw: dict, categories=DEFAULT_CATEGORIES, *, grade_labels=(),
                           satisfaction=True) -> dict:
    """Validated canonical counts from {"overall": [s, b, u], "<category key>": [s, b, u] | [None]*3 ...}, the
    category keys those of `categories` ([(key, name)], the campaign's; the defaults when not given).

    The overall triple is required (when the survey asks for satisfaction); a category triple is all given or all
    blank (blank = not known); categories cannot add up to more than the overall count of an answer. With
    `grade_labels` (a grade vote) "grade": {band label: count} is required, every label given. Raises SurveyError
    listing every problem."""
    problems = []
    raw = dict(raw)
    result = _grade_part(raw.pop("grade", None), grade_labels, problems)
    if not satisfaction:
        if raw:
            problems.append("本领域以等次投票代替满意度测评，不录入满意度票数。")
        if problems:
            raise SurveyError("；".join(problems))
        return result
    labels = paper_labels(categories)
    keys = [key for key, _ in categories]

    def triple(key, values, required):
        label = labels[key]
        values = list(values or [None, None, None])
        if len(values) != 3:
            problems.append(f"{label}：需要满意、基本满意、不满意三个数。")
            return None
        given = [v not in (None, "") for v in values]
        if not any(given):
            if required:
                problems.append(f"{label}：请填写满意、基本满意、不满意票数（没有填 0）。")
            return None
        out = []
        for answer_label, value, ok in zip(ANSWER_LABELS, values, given, strict=False):
            if not ok:
                problems.append(f"{label}·{answer_label}：未填写（这一行要么全填，要么全空）。")
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                problems.append(f"{label}·{answer_label}：“{value}”不是整数。")
                continue
            if isinstance(value, float) and value != number or not 0 <= number <= PAPER_MAX:
                problems.append(f"{label}·{answer_label}：必须是 0 到 {PAPER_MAX} 之间的整数。")
                continue
            out.append(number)
        return out if len(out) == 3 else None

    overall = triple("overall", raw.get("overall"), required=True)
    if overall is not None:
        result["overall"] = overall
        if sum(overall) == 0:
            problems.append("总体：票数合计为 0，没有可录入的测评票。")
    for category in keys:
        counts = triple(category, raw.get(category), required=False)
        if counts is not None:
            result[category] = counts
    unknown = set(raw) - {"overall", *keys}
    if unknown:
        problems.append(f"未知的身份类别：{'、'.join(sorted(unknown))}。")
    if overall is not None:
        for i, answer_label in enumerate(ANSWER_LABELS):
            by_category = sum(result[c][i] for c in keys if c in result)
            if by_category > overall[i]:
                problems.append(f"{answer_label}：各身份合计 {by_category} 票，多于总体的 {overall[i]} 票。")
    if problems:
        raise SurveyError("；".join(problems))
    return result


def enter_paper_counts(*, campaign, org, counts, actor) -> PaperStatus:
    """Record `actor`'s entry of the paper counts of `org` (creating or replacing their own entry) and return the
    resulting status. At most two staff members enter per org; the tally counts only when both entries are equal.
    Audited per entry; when the confirmed tally appears, changes or disappears, signals.votes_changed is sent for
    the org inside the transaction (scoring recomputes its grade there)."""
    if not (Phase.SURVEY <= campaign.phase < Phase.PUBLICITY):
        raise SurveyError(f"当前阶段为“{campaign.phase_label}”，只能在党员群众测评或上级评定阶段录入纸质测评票。")
    _check_target(campaign, org)
    categories = campaign_categories(campaign)
    asked = survey_mode_of(campaign, org)
    normalised = normalise_paper_counts(counts, categories, satisfaction=asked.satisfaction,
                                        grade_labels=grade_labels_of(campaign, org) if asked.grade_vote else ())
    labels = paper_labels(categories)
    with transaction.atomic():
        entries = list(PaperEntry.objects.select_for_update().filter(campaign=campaign, org=org)
                       .order_by("entered_at", "pk"))
        before = paper_status(entries, labels)
        mine = next((e for e in entries if e.entered_by_id == actor.pk), None)
        if mine is None and len(entries) >= 2:
            raise SurveyError("该党组织的纸质测评票已有两名工作人员录入；如需更正，请由其中一人修改自己的录入。")
        previous = mine.counts if mine else None
        if mine is None:
            mine = PaperEntry.objects.create(campaign=campaign, org=org, entered_by=actor, counts=normalised)
            entries.append(mine)
        else:
            mine.counts = normalised
            mine.save(update_fields=["counts", "entered_at"])
        after = paper_status(entries, labels)
        record(actor=actor, action="survey.paper_entered", obj=org, before=previous, after=normalised,
               campaign_id=campaign.pk)
        if before.confirmed != after.confirmed:
            record(actor=actor, action="survey.paper_confirmed" if after.confirmed else "survey.paper_unconfirmed",
                   obj=org, before=before.confirmed_counts, after=after.confirmed_counts, campaign_id=campaign.pk)
        if before.confirmed_counts != after.confirmed_counts:
            signals.votes_changed.send(sender=PaperEntry, campaign=campaign, org_ids=[org.pk])
    return after


# ---- respondent categories (身份) ----------------------------------------------------------------------------

CATEGORY_NAME_MAX = 20


def seed_categories(*, campaign) -> None:
    """Give a campaign without respondent categories the defaults (党员, 群众代表, 服务对象). Idempotent."""
    if RespondentCategory.objects.filter(campaign=campaign).exists():
        return
    RespondentCategory.objects.bulk_create([
        RespondentCategory(campaign=campaign, key=key, name=name, order=i)
        for i, (key, name) in enumerate(DEFAULT_CATEGORIES, start=1)
    ])


def _checked_category_name(campaign, name, *, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise SurveyError("请填写身份名称。")
    if len(name) > CATEGORY_NAME_MAX:
        raise SurveyError(f"身份名称不能超过 {CATEGORY_NAME_MAX} 个字。")
    clash = RespondentCategory.objects.filter(campaign=campaign, name=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise SurveyError(f"已有身份“{name}”。")
    return name


def _new_category_key(campaign) -> str:
    taken = set(RespondentCategory.objects.filter(campaign=campaign).values_list("key", flat=True))
    n = len(taken) + 1
    while f"c{n}" in taken:
        n += 1
    return f"c{n}"


def _category_phase_check(campaign):
    if campaign.phase >= Phase.PUBLICITY:
        raise SurveyError(f"当前阶段为“{campaign.phase_label}”，测评已结束，不能再修改身份类别。")


def add_category(*, campaign, name, actor) -> RespondentCategory:
    """A new respondent category at the end of the campaign's list. Audited."""
    _category_phase_check(campaign)
    with transaction.atomic():
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()  # one writer of keys at a time
        name = _checked_category_name(campaign, name)
        last = RespondentCategory.objects.filter(campaign=campaign).order_by("-order").first()
        row = RespondentCategory.objects.create(campaign=campaign, key=_new_category_key(campaign), name=name,
                                                order=(last.order + 1) if last else 1)
        record(actor=actor, action="survey.category_added", obj=campaign, after={"身份": name},
               campaign_id=campaign.pk)
    return row


def rename_category(*, campaign, category, name, actor) -> RespondentCategory:
    """Rename one of the campaign's categories (answers keep it: they name its key). Audited."""
    _category_phase_check(campaign)
    if category.campaign_id != campaign.pk:
        raise SurveyError("该身份不属于本次定级工作。")
    with transaction.atomic():
        name = _checked_category_name(campaign, name, exclude_pk=category.pk)
        before = category.name
        category.name = name
        category.save(update_fields=["name"])
        record(actor=actor, action="survey.category_renamed", obj=campaign, before={"身份": before},
               after={"身份": name}, campaign_id=campaign.pk)
    return category


def move_category(*, campaign, category, up: bool, actor) -> None:
    """Swap a category with its neighbour above (`up`) or below. Audited."""
    if category.campaign_id != campaign.pk:
        raise SurveyError("该身份不属于本次定级工作。")
    with transaction.atomic():
        rows = list(RespondentCategory.objects.select_for_update().filter(campaign=campaign).order_by("order", "pk"))
        i = next(i for i, r in enumerate(rows) if r.pk == category.pk)
        j = i - 1 if up else i + 1
        if not 0 <= j < len(rows):
            return
        rows[i], rows[j] = rows[j], rows[i]
        for n, row in enumerate(rows, start=1):
            row.order = n
        RespondentCategory.objects.bulk_update(rows, ["order"])
        record(actor=actor, action="survey.category_moved", obj=campaign, after={"顺序": [r.name for r in rows]},
               campaign_id=campaign.pk)


def delete_category(*, campaign, category, actor) -> None:
    """Remove a category no answer and no paper entry names (renaming keeps one that is used). Audited."""
    _category_phase_check(campaign)
    if category.campaign_id != campaign.pk:
        raise SurveyError("该身份不属于本次定级工作。")
    with transaction.atomic():
        used = next(r.used for r in category_rows(campaign) if r.pk == category.pk)
        if used:
            raise SurveyError(f"已有答卷或纸质票使用身份“{category.name}”，不能删除（可以改名）。")
        category.delete()
        record(actor=actor, action="survey.category_deleted", obj=campaign, before={"身份": category.name},
               campaign_id=campaign.pk)


# ---- after the survey ------------------------------------------------------------------------------------------

def mix_now(*, campaign, actor=None) -> int:
    """The mixer's manual trigger (`manage.py survey_shuffle`): while the survey runs, move the staged answers if a
    batch of MIX_BATCH is waiting (fewer stay staged); after it, move all of them. Returns how many were moved.
    Audited with the count."""
    moved = mixer.mix_staged(campaign, final=campaign.phase != Phase.SURVEY)
    record(actor=actor, action="survey.mixed", obj=campaign, after={"responses": moved}, campaign_id=campaign.pk)
    return moved


def close_survey(*, campaign) -> int:
    """What ending the survey phase does to the campaign's survey data (surveys.receivers, on
    campaigns.signals.phase_changed): every staged answer is mixed in, then the remaining (unused) tokens and any
    staged row are deleted, and the grades of the orgs with answers are recomputed (signals.votes_changed). Moving
    back into the survey later needs new codes. Returns the number of tokens deleted. In the transaction of the
    phase change."""
    mixer.mix_staged(campaign, final=True)
    StagedResponse.objects.filter(campaign=campaign).delete()
    deleted, _ = SurveyToken.objects.filter(campaign=campaign).delete()
    # Every answer is counted now: the grades of the orgs that have any are recomputed once (scoring's receiver).
    answered = sorted(set(SurveyResponse.objects.filter(campaign=campaign).values_list("org_id", flat=True)))
    if answered:
        signals.votes_changed.send(sender=SurveyResponse, campaign=campaign, org_ids=answered)
    return deleted
