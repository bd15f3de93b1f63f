"""manage.py import_orgs: same rules as the page; prints the counts, or fails with every problem and exit ≠ 0."""
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from branches.models import Org
from tests.branches.workbooks import org_row, small_county_rows, xlsx


def write(tmp_path, rows, name="orgs.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(rows).getvalue())
    return str(path)


def test_import_orgs_creates_then_updates(sectors, tmp_path):
    out = StringIO()
    call_command("import_orgs", write(tmp_path, small_county_rows()), stdout=out)
    assert "新增 9 个、更新 0 个、未变 0 个" in out.getvalue()
    assert Org.objects.count() == 9
    rows = small_county_rows()
    rows[1] = org_row("T1", "东镇党委（改）", "党委", "C", "")
    out = StringIO()
    call_command("import_orgs", write(tmp_path, rows), stdout=out)
    assert "新增 0 个、更新 1 个、未变 8 个" in out.getvalue()
    assert Org.objects.get(code="T1").name == "东镇党委（改）"
    assert AuditEntry.objects.filter(action="修改党组织", actor=None, actor_name="系统").count() == 1


def test_import_orgs_dry_run_saves_nothing(sectors, tmp_path):
    out = StringIO()
    call_command("import_orgs", write(tmp_path, small_county_rows()), "--dry-run", stdout=out)
    assert "检查通过（未保存）：将新增 9 个、更新 0 个、未变 0 个" in out.getvalue()
    assert "新增 V1-1 东一村第一党支部" in out.getvalue()
    assert not Org.objects.exists() and not AuditEntry.objects.exists()


def test_import_orgs_refuses_a_bad_file_with_every_problem(sectors, tmp_path):
    rows = [org_row("C", "县委", "党委", "", ""), org_row("A", "甲", "党委", "B", ""),
            org_row("B", "乙", "党委", "A", ""), org_row("V", "村", parent="C", sector="")]
    with pytest.raises(CommandError) as exc:
        call_command("import_orgs", write(tmp_path, rows))
    text = str(exc.value)
    assert "文件有 2 个问题，未保存任何数据" in text
    assert "第3行「上级组织编码」：上级关系构成循环：A → B → A" in text
    assert "第5行「所属领域」：党支部必须填写所属领域" in text
    assert not Org.objects.exists()


def test_import_orgs_refuses_a_missing_or_non_workbook_file(db, tmp_path):
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_orgs", str(tmp_path / "nope.xlsx"))
    bad = tmp_path / "bad.xlsx"
    bad.write_text("组织编码,组织名称\n")
    with pytest.raises(CommandError, match="不是有效的 Excel 工作簿"):
        call_command("import_orgs", str(bad))


def test_import_orgs_exit_status_from_the_shell(tmp_path):
    """The real process: a bad file exits non-zero with the problem on stderr, no traceback."""
    bad = tmp_path / "bad.xlsx"
    bad.write_text("hello")
    root = Path(__file__).resolve().parents[2]
    env = {"DJANGO_SETTINGS_MODULE": "gradingsite.settings_test", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "manage.py", "import_orgs", str(bad)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "不是有效的 Excel 工作簿" in proc.stderr and "Traceback" not in proc.stderr
