"""公示 and objections (SPEC §7).

- `publish_results` opens a window of N local calendar days (both ends inclusive, Asia/Shanghai), snapshots every
  定级对象's final grade into PublishedResult (what the public page shows) and moves the campaign to 公示.
- `lodge_objection` accepts an objection only on a day inside the window.
- `answer_objection` settles a pending objection; upheld reopens that org's review (Grade.reopened).
- `republish_org` re-grades a reopened org, publishes its new grade and clears the flag.
- `finalise_results` makes the results final once the window is over and nothing is pending; only then
  `results_final` is true, rectification plans exist and star ratings are issued.
Every write is one transaction and is audited.
"""
import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from branches.models import Org
from campaigns.models import Campaign, Phase
from campaigns.scales import band_labels_by_sector, rank
from campaigns.selectors import targets
from campaigns.services import set_phase
from publicity.models import (
    OBJECTION_MAX_CHARS,
    Objection,
    ObjectionStatus,
    Publicity,
    PublishedResult,
)
from publicity.signals import results_finalised
from scoring.models import Grade

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MAX_PUBLICITY_DAYS = 30
CONTACT_MAX_CHARS = 100
REPLY_MAX_CHARS = 2000


def local_today() -> datetime.date:
    """Today's date in Asia/Shanghai (the calendar the 公示 window is counted in)."""
    return timezone.now().astimezone(LOCAL_TZ).date()


def results_final(campaign) -> bool:
    """True once the campaign's results have been finalised (公示 closed with every objection resolved)."""
    campaign_id = campaign.pk if isinstance(campaign, Campaign) else campaign
    return Publicity.objects.filter(campaign_id=campaign_id, finalised_at__isnull=False).exists()


def _fmt(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _move_phase(*, campaign, phase, actor, reason):
    """Move the campaign's phase through campaigns.services.set_phase (which audits)."""
    set_phase(campaign=campaign, phase=phase, actor=actor, reason=reason)
    campaign.refresh_from_db(fields=["phase"])


def unit_names(campaign, orgs) -> dict[int, str]:
    """{org_id: name of its 所属单位} — the committee directly under the campaign root that holds the org (the org
    itself when it sits directly under the root). One query."""
    depth = campaign.root.depth + 1
    unit_path = {o.pk: o.path[: depth * Org.steplen] for o in orgs}
    names = dict(Org.objects.filter(path__in=set(unit_path.values())).values_list("path", "name"))
    return {org_id: names.get(path, "") for org_id, path in unit_path.items()}


def _publish_blockers(campaign, orgs, grades, *, starts_on, days, today) -> list[str]:
    """Every reason the results cannot be published yet (empty: they can)."""
    errors = []
    if campaign.phase < Phase.REVIEW:
        errors.append(f"当前阶段为「{campaign.phase_label}」，上级评定后才能发布公示。")
    if not isinstance(days, int) or days < 1 or days > MAX_PUBLICITY_DAYS:
        errors.append(f"公示天数须为 1 至 {MAX_PUBLICITY_DAYS} 天。")
    if starts_on < today:
        errors.append(f"公示开始日期（{_fmt(starts_on)}）不能早于今天（{_fmt(today)}）。")
    if not orgs:
        errors.append("本次工作没有定级对象。")
    missing = [o.name for o in orgs if not (grades.get(o.pk) and grades[o.pk].final_label)]
    if missing:
        shown = "、".join(missing[:10]) + ("等" if len(missing) > 10 else "")
        errors.append(f"{len(missing)} 个定级对象尚未定级，不能发布公示：{shown}。")
    reopened = [o.name for o in orgs if grades.get(o.pk) and grades[o.pk].reopened]
    if reopened:
        errors.append(f"{len(reopened)} 个组织正在重新评定：{'、'.join(reopened[:10])}。")
    return errors


@transaction.atomic
def publish_results(*, campaign, actor, starts_on=None, days=None, today=None) -> Publicity:
    """Publish the final grades of every 定级对象 for `days` days (default campaign.publicity_days) from
    `starts_on` (default today, Asia/Shanghai) and move the campaign to 公示. Refuses (ValidationError, nothing
    saved) when already published, before 上级评定, or while any 定级对象 has no grade or is being re-graded."""
    caller_campaign = campaign
    campaign = Campaign.objects.select_for_update().select_related("root").get(pk=campaign.pk)
    today = today or local_today()
    starts_on = starts_on or today
    days = campaign.publicity_days if days is None else days
    existing = Publicity.objects.filter(campaign=campaign).first()
    if existing:
        raise ValidationError(f"本次定级结果已于{_fmt(existing.starts_on)}发布公示，不能重复发布。")
    orgs = list(targets(campaign))
    grades = {g.org_id: g for g in Grade.objects.filter(campaign=campaign, org__in=orgs)}
    errors = _publish_blockers(campaign, orgs, grades, starts_on=starts_on, days=days, today=today)
    if errors:
        raise ValidationError(errors)

    publicity = Publicity.objects.create(
        campaign=campaign, starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=days - 1),
        published_by=actor if getattr(actor, "is_authenticated", False) else None, published_at=timezone.now(),
    )
    labels = band_labels_by_sector(campaign)
    units = unit_names(campaign, orgs)
    PublishedResult.objects.bulk_create([
        PublishedResult(
            publicity=publicity, org=o, org_name=o.name, unit_name=units.get(o.pk, ""),
            label=grades[o.pk].final_label,
            position=rank(grades[o.pk].final_label, labels.get(o.sector_id, [])),
        )
        for o in orgs
    ])
    record(actor=actor, action="publicity.published", obj=publicity, campaign_id=campaign.pk,
           after={"starts_on": starts_on.isoformat(), "ends_on": publicity.ends_on.isoformat(), "orgs": len(orgs)})
    _move_phase(campaign=campaign, phase=Phase.PUBLICITY, actor=actor, reason="发布公示")
    caller_campaign.phase = campaign.phase
    return publicity


def objection_window_error(publicity: Publicity | None, today: datetime.date) -> str:
    """Why an objection cannot be lodged today ("" when it can)."""
    if publicity is None:
        return "本次定级结果尚未公示。"
    if publicity.finalised_at is not None:
        return "定级结果已确定，不再受理异议。"
    if today < publicity.starts_on:
        return f"公示将于{_fmt(publicity.starts_on)}开始，届时方可提出异议。"
    if today > publicity.ends_on:
        return f"公示期已于{_fmt(publicity.ends_on)}结束，不再受理异议。"
    return ""


@transaction.atomic
def lodge_objection(*, campaign, text, contact="", org=None, today=None) -> Objection:
    """Store an anonymous objection about one published org (or the whole list when `org` is None), only on a day
    inside the window. Text is required (≤ 1000 characters), contact optional (≤ 100). Stored as plain text."""
    today = today or local_today()
    publicity = Publicity.objects.filter(campaign=campaign).first()
    window_error = objection_window_error(publicity, today)
    if window_error:
        raise ValidationError(window_error)
    text = (text or "").strip()
    contact = (contact or "").strip()
    errors = {}
    if not text:
        errors["text"] = "请填写异议内容。"
    elif len(text) > OBJECTION_MAX_CHARS:
        errors["text"] = f"异议内容不能超过 {OBJECTION_MAX_CHARS} 字（现为 {len(text)} 字）。"
    if len(contact) > CONTACT_MAX_CHARS:
        errors["contact"] = f"联系方式不能超过 {CONTACT_MAX_CHARS} 字。"
    if org is not None and not publicity.results.filter(org=org).exists():
        errors["org"] = "所选党组织不在本次公示名单中。"
    if errors:
        raise ValidationError(errors)
    objection = Objection.objects.create(campaign=campaign, org=org, text=text, contact=contact)
    record(actor=None, action="objection.lodged", obj=objection, campaign_id=campaign.pk,
           after={"org": org.code if org else "（整体名单）", "status": objection.status})
    return objection


@transaction.atomic
def answer_objection(*, objection, actor, decision, reply, org=None) -> Objection:
    """Settle a pending objection as upheld or rejected with a reply. Upheld reopens the review of the org it is
    about (`org` names it when the objection was about the whole list). Refused once the results are final."""
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    campaign = objection.campaign
    errors = {}
    if objection.status != ObjectionStatus.PENDING:
        raise ValidationError(f"该异议已处理（{objection.get_status_display()}），不能再次处理。")
    if results_final(campaign):
        raise ValidationError("定级结果已确定，不能再处理异议。")
    if decision not in (ObjectionStatus.UPHELD, ObjectionStatus.REJECTED):
        errors["decision"] = "请选择处理结果：异议成立或异议不成立。"
    reply = (reply or "").strip()
    if not reply:
        errors["reply"] = "请填写答复意见。"
    elif len(reply) > REPLY_MAX_CHARS:
        errors["reply"] = f"答复意见不能超过 {REPLY_MAX_CHARS} 字。"
    target = objection.org or org
    grade = None
    if decision == ObjectionStatus.UPHELD:
        if target is None:
            errors["org"] = "该异议针对整体名单，异议成立时请选择需要重新评定的党组织。"
        else:
            grade = Grade.objects.select_for_update().filter(campaign=campaign, org=target).first()
            in_list = PublishedResult.objects.filter(publicity__campaign=campaign, org=target).exists()
            if grade is None or not in_list:
                errors["org"] = f"{target.name}不在本次公示名单中。"
    if errors:
        raise ValidationError(errors)
    objection.status = decision
    objection.reply = reply
    objection.org = target
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["status", "reply", "org", "answered_by", "answered_at"])
    record(actor=actor, action="objection.answered", obj=objection, campaign_id=campaign.pk,
           before={"status": ObjectionStatus.PENDING.label},
           after={"status": objection.get_status_display(), "org": target.code if target else ""}, reason=reply)
    if grade is not None and not grade.reopened:
        grade.reopened = True
        grade.save(update_fields=["reopened"])
        record(actor=actor, action="grade.reopened", obj=grade, campaign_id=campaign.pk,
               before={"reopened": False}, after={"reopened": True}, reason=f"异议 #{objection.pk} 成立：{reply}")
    return objection


@transaction.atomic
def republish_org(*, campaign, org, actor) -> PublishedResult:
    """重新公示: re-grade a reopened org (C's recompute_org), show its new grade on the public page marked
    「已根据异议复核更新」 and clear Grade.reopened. Refused when the org is not being re-graded, when no grade
    results, or once the results are final."""
    from scoring.services.grading import recompute_org

    publicity = Publicity.objects.select_for_update().filter(campaign=campaign).first()
    if publicity is None:
        raise ValidationError("本次定级结果尚未公示。")
    if publicity.finalised_at is not None:
        raise ValidationError("定级结果已确定，不能重新公示。")
    grade = Grade.objects.select_for_update().filter(campaign=campaign, org=org).first()
    if grade is None or not grade.reopened:
        raise ValidationError(f"{org.name}未处于重新评定状态，无需重新公示。")
    result = PublishedResult.objects.select_for_update().get(publicity=publicity, org=org)
    grade = recompute_org(campaign=campaign, org=org, actor=actor)
    grade.refresh_from_db()
    if not grade.final_label:
        raise ValidationError(f"{org.name}重新评定后仍没有等次：{grade.explanation or '请检查评定得分'}。")
    before = result.label
    if not result.revised:
        result.previous_label = result.label
    result.label = grade.final_label
    result.position = rank(grade.final_label, band_labels_by_sector(campaign).get(org.sector_id, []))
    result.revised = True
    result.revised_at = timezone.now()
    result.save(update_fields=["label", "position", "revised", "previous_label", "revised_at"])
    grade.reopened = False
    grade.save(update_fields=["reopened"])
    record(actor=actor, action="publicity.republished", obj=result, campaign_id=campaign.pk,
           before={"label": before, "reopened": True}, after={"label": result.label, "reopened": False},
           reason="根据异议复核重新公示")
    return result


def finalise_blockers(campaign, today=None) -> list[str]:
    """Reasons (Chinese) why the results cannot be made final today; empty when they can."""
    today = today or local_today()
    publicity = Publicity.objects.filter(campaign=campaign).first()
    if publicity is None:
        return ["本次定级结果尚未公示。"]
    if publicity.finalised_at is not None:
        return [f"定级结果已于{_fmt(timezone.localtime(publicity.finalised_at).date())}确定。"]
    reasons = []
    if not publicity.has_ended_on(today):
        reasons.append(f"公示窗口尚未结束（{_fmt(publicity.ends_on)} 24 时结束）。")
    pending = Objection.objects.filter(campaign=campaign, status=ObjectionStatus.PENDING).count()
    if pending:
        reasons.append(f"仍有 {pending} 条异议待处理。")
    reopened = Grade.objects.filter(campaign=campaign, reopened=True).count()
    if reopened:
        reasons.append(f"{reopened} 个组织正在重新评定。")
    return reasons


@transaction.atomic
def finalise_results(*, campaign, actor, today=None) -> Publicity:
    """Make the results final: only after the window's last day, with no pending objection and no org being
    re-graded (else ValidationError with every reason). Creates the rectification plans and issues star ratings
    (valid from `today`) through the receivers of publicity.signals.results_finalised, in this transaction."""
    today = today or local_today()
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    reasons = finalise_blockers(campaign, today)
    if reasons:
        raise ValidationError(reasons)
    publicity = Publicity.objects.select_for_update().get(campaign=campaign)
    publicity.finalised_at = timezone.now()
    publicity.finalised_by = actor if getattr(actor, "is_authenticated", False) else None
    publicity.save(update_fields=["finalised_at", "finalised_by"])
    record(actor=actor, action="publicity.finalised", obj=publicity, campaign_id=campaign.pk,
           after={"finalised_on": today.isoformat(), "orgs": publicity.results.count()})
    results_finalised.send(sender=Publicity, campaign=campaign, actor=actor, today=today)
    return publicity
