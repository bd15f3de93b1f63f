"""Every report of SPEC §9 as a registered exporter. Importing this package registers them all."""
from reports.exporters import (  # noqa: F401
    cepin,
    dengji,
    diaocha,
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
