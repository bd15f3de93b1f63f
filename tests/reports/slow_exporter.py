"""A deliberately slow report for the Celery tests: imported by the test and by the worker (celery -I)."""
import os
import time

from reports.exporters import Column, Exporter, register

ROWS = 30


@register
class SlowExporter(Exporter):
    identifier = "slowtest"
    title = "测试用慢速报表"

    def columns(self):
        return [Column("序号", 6, "int"), Column("内容", 20)]

    def row_count(self):
        return ROWS

    def iterate_rows(self):
        delay = float(os.environ.get("SLOW_EXPORT_SECONDS", "0.25"))
        for i in range(ROWS):
            time.sleep(delay)
            yield (i + 1, f"第{i + 1}行")
