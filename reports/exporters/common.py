"""Shared base for reports that list 定级对象 one per row."""
from collections.abc import Iterator
from functools import cached_property

from reports import selectors
from reports.exporters import base
from reports.exporters.base import Column, Exporter


class OrgListExporter(Exporter):
    """A one-table report with one row per 定级对象 (in org-tree order). Subclasses give `base_columns()` and
    `values(index, row)`; providers registered with `register_columns(identifier)` add columns at the end."""

    # Whether the rows' sheets carry their opinion, submission time and submitter (see selectors.org_rows).
    sheet_details = False

    def base_columns(self) -> list[Column]:
        raise NotImplementedError

    def values(self, index: int, row: selectors.OrgRow) -> tuple:
        raise NotImplementedError

    def include(self, row: selectors.OrgRow) -> bool:
        return True

    @cached_property
    def rows(self) -> list[selectors.OrgRow]:
        return [r for r in selectors.org_rows(self.campaign, self.scope, self.sheet_details) if self.include(r)]

    @cached_property
    def _extras(self):
        return [provider(self) for provider in base.EXTRA_COLUMNS.get(self.identifier, [])]

    def columns(self) -> list[Column]:
        cols = list(self.base_columns())
        for extra_cols, _ in self._extras:
            cols.extend(extra_cols)
        return cols

    def row_count(self) -> int:
        return len(self.rows)

    def iterate_rows(self) -> Iterator[tuple]:
        extras = [fn for _, fn in self._extras]
        for index, row in enumerate(self.rows, start=1):
            values = self.values(index, row)
            for fn in extras:
                values = values + tuple(fn(row))
            yield values


def org_kind_label(org) -> str:
    return org.get_kind_display()
