"""Every report of SPEC §9 as a registered exporter. Importing this package registers them all."""
# Reports of the after-grading work (调查摸底与分类定级表, previous-round columns), kept by their owner outside
# this package and registered through the same registry.
from reports import exporters_after  # noqa: E402,F401
from reports.exporters import (  # noqa: F401
    cepin,
    dengji,
    huizong,
    mingxi,
    taizhang,
    weifazhan,
    yilan,
    zhenggai,
)
from reports.exporters.base import (
    REGISTRY,
    Column,
    Exporter,
    Sheet,
    UnknownReport,
    get_exporter,
    register,
    register_columns,
)

__all__ = ["REGISTRY", "Column", "Exporter", "Sheet", "UnknownReport", "get_exporter", "register",
           "register_columns"]
