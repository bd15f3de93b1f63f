import datetime
from collections import Counter
from dataclasses import dataclass

from branches.access import Viewer, visible_orgs_q
from campaigns.models import Campaign
from publicity.models import Objection, ObjectionStatus, Publicity, PublishedResult
from publicity.services import local_today, objection_window_error
from scoring.models import Grade


@dataclass
class PublicPage:
    campaign: Campaign
    publicity: Publicity | None
    groups: list  # [(label, [PublishedResult])] best band first
    window_error: str
    reopened_org_ids: set
    total: int = 0

    @property
    def open(self):
        return not self.window_error

    @property
    def results(self) -> list:
        """Every published result, in the page's order."""
        return [r for _, group in self.groups for r in group]


def published_campaign(slug: str) -> Campaign | None:
    """The campaign `slug` if its results have been published (公示), with its root; else None."""
    return Campaign.objects.select_related("root").filter(slug=slug, publicity__isnull=False).first()


def publicity_of(campaign: Campaign) -> Publicity | None:
    """The campaign's 公示 with who published and finalised it, or None before publishing."""
    return Publicity.objects.select_related("published_by", "finalised_by").filter(campaign=campaign).first()


def is_published(campaign: Campaign) -> bool:
    return Publicity.objects.filter(campaign=campaign).exists()


def published_results(publicity: Publicity | None) -> list[PublishedResult]:
    """The published results with their orgs (the choices of the objection answer form); [] before publishing."""
    if publicity is None:
        return []
    return list(publicity.results.select_related("org"))


def public_results(campaign: Campaign, today: datetime.date | None = None) -> PublicPage:
    """What the public 公示 page shows: the published grades grouped by label (best first), the window and
    whether objections are accepted today. Three queries."""
    today = today or local_today()
    publicity = Publicity.objects.filter(campaign=campaign).first()
    groups: list = []
    reopened: set = set()
    total = 0
    if publicity is not None:
        by_label: dict[str, list] = {}
        for r in publicity.results.order_by("position", "label", "org__path"):
            by_label.setdefault(r.label, []).append(r)
            total += 1
        groups = list(by_label.items())
        reopened = set(Grade.objects.filter(campaign=campaign, reopened=True).values_list("org_id", flat=True))
    return PublicPage(campaign, publicity, groups, objection_window_error(publicity, today), reopened, total)


def objections_for(campaign: Campaign, viewer: Viewer, status: str = ""):
    """Objections of a campaign the viewer may see: all for staff; for reviewers those about orgs in their
    subtree (whole-list objections are staff only). Newest first."""
    qs = Objection.objects.filter(campaign=campaign).select_related("org", "answered_by")
    if not viewer.is_staff:
        qs = qs.filter(org__isnull=False).filter(visible_orgs_q(viewer, "org__"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def objection_of(campaign: Campaign, pk: int) -> Objection | None:
    """Objection `pk` if it belongs to `campaign`, with its org; else None."""
    return Objection.objects.select_related("org", "campaign").filter(campaign=campaign, pk=pk).first()


def pending_objection_count(campaign: Campaign) -> int:
    return Objection.objects.filter(campaign=campaign, status=ObjectionStatus.PENDING).count()


def objection_counts(campaign: Campaign) -> dict[str, int]:
    counts = Counter(Objection.objects.filter(campaign=campaign).values_list("status", flat=True))
    return {s: counts.get(s, 0) for s in ObjectionStatus.values}


def reopened_grades(campaign: Campaign):
    return Grade.objects.filter(campaign=campaign, reopened=True).select_related("org").order_by("org__path")
