"""The exporter registry: one small class per report (SPEC §9). An exporter declares its identifier, title, whether
it has a PDF, and its sheets — each a title, columns and a row generator. The XLSX and PDF writers consume any
exporter; adding a report is adding one registered class."""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

REGISTRY: dict[str, type["Exporter"]] = {}
# identifier → providers of extra columns (see register_columns)
EXTRA_COLUMNS: dict[str, list[Callable]] = {}


def register(cls):
    """Class decorator: make an exporter available by its identifier (command, web page, task)."""
    if not getattr(cls, "identifier", ""):
        raise ValueError(f"{cls.__name__} has no identifier")
    if cls.identifier in REGISTRY and REGISTRY[cls.identifier] is not cls:
        raise ValueError(f"exporter {cls.identifier!r} is registered twice")
    REGISTRY[cls.identifier] = cls
    return cls


def register_columns(identifier: str):
    """Decorator for a provider of extra columns of an org-list report (e.g. a previous round's grade).

    The provider is called once per export as `provider(exporter)` and returns `(columns, values)`: a list of
    Column and a function `values(row: OrgRow) -> tuple` (one value per column). It must fetch what it needs in a
    fixed number of queries; its columns are appended after the report's own columns."""

    def decorator(provider):
        EXTRA_COLUMNS.setdefault(identifier, []).append(provider)
        return provider

    return decorator


class UnknownReport(KeyError):
    pass


def ordered_exporters() -> list[type["Exporter"]]:
    """Every registered exporter in page order."""
    return sorted(REGISTRY.values(), key=lambda cls: (cls.position, cls.identifier))


def get_exporter(identifier: str) -> type["Exporter"]:
    try:
        return REGISTRY[identifier]
    except KeyError:
        raise UnknownReport(identifier) from None


@dataclass(frozen=True)
class Column:
    """A column: its header, width (in Excel character units; the PDF uses the ratio) and kind.

    kind: "text", "int", "score" (Decimal, one decimal), "percent" (Fraction or Decimal share, shown 0.0%)."""

    title: str
    width: float = 10
    kind: str = "text"
    group: str = ""  # a two-level header in the PDF ("党员" over 满意/基本满意/不满意); XLSX joins "党员·满意"
    wrap: bool = False

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "score", "percent")

    @property
    def full_title(self) -> str:
        return f"{self.group}·{self.title}" if self.group else self.title


@dataclass
class Sheet:
    """One table of a report: an XLSX worksheet, a section of the PDF. `count` (rows) drives the progress bar;
    `total_row` marks the last row as a totals row (bold)."""

    name: str
    columns: list[Column]
    rows: Iterable[tuple]
    count: int = 0
    heading: str = ""
    total_row: bool = False
    notes: list[str] = field(default_factory=list)


class Exporter:
    """Base of every report. Subclasses set identifier/title/has_pdf and implement `sheets()`, or `columns()` and
    `iterate_rows()` for a one-table report. `scope` (an Org) limits the report to that org's subtree."""

    identifier = ""
    title = ""
    position = 100  # order on the exports page (SPEC §9 order)
    has_pdf = False
    landscape = True
    signatures = ("填表人", "审核人", "单位盖章", "日期")
    # The PDF layout: "table" (the sheets as tables) or "pages" (one page per item, see `pages()`).
    pdf_layout = "table"
    pdf_template = "reports/pdf/table.html"

    def __init__(self, campaign, scope=None, today: date | None = None):
        self.campaign = campaign
        self.scope = scope
        self.today = today or timezone.localdate()

    # --- what the writers use -------------------------------------------------------------------------------
    @property
    def unit_name(self) -> str:
        """填报单位: the campaign's root org (the department running it)."""
        return self.campaign.root.name

    @property
    def scope_label(self) -> str:
        return f"范围：{self.scope.name}" if self.scope is not None and self.scope.pk != self.campaign.root_id else ""

    @property
    def date_label(self) -> str:
        return f"{self.today.year}年{self.today.month}月{self.today.day}日"

    def filename(self, fmt: str) -> str:
        scope = f"_{self.scope.code}" if self.scope_label else ""
        return f"{self.campaign.slug}_{self.identifier}{scope}_{self.today:%Y%m%d}.{fmt}"

    def sheets(self) -> Iterator[Sheet]:
        """The report's tables, in order. Default: one table from columns() and iterate_rows()."""
        rows = self.iterate_rows()
        yield Sheet(name=self.title, columns=self.columns(), rows=rows, count=self.row_count())

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def iterate_rows(self) -> Iterator[tuple]:
        raise NotImplementedError

    def row_count(self) -> int:
        return 0

    def pages(self) -> Iterator[dict]:
        """For pdf_layout "pages": one template context per page (e.g. per org)."""
        raise NotImplementedError

    def page_count(self) -> int:
        return 0
