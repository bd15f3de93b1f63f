"""Every report of SPEC §9 as a registered exporter. Importing this package registers them all."""
from . import cepin, dengji, huizong, mingxi, taizhang, weifazhan, yilan, zhenggai  # noqa: F401
from .base import REGISTRY, Column, Exporter, Sheet, UnknownReport, get_exporter, register, register_columns

# Reports of the after-grading work (调查摸底与分类定级表, previous-round columns), kept by their owner outside
# this package and registered through the same registry.
from reports import exporters_after  # noqa: E402,F401

__all__ = ["REGISTRY", "Column", "Exporter", "Sheet", "UnknownReport", "get_exporter", "register",
           "register_columns"]
