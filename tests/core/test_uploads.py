"""The upload stash caps what it stores and how many files a session keeps; what it cuts, the reader refuses."""
import io

import openpyxl
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import KEEP_PER_SESSION, UploadStash
from core.workbook import LARGEST_FILE_BYTES, MB, RUBRIC, WorkbookError, read_table


@pytest.fixture
def request_with_session(rf, db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    request = rf.post("/")
    request.session = SessionStore()
    return request


def test_every_stash_has_a_cap_by_default():
    assert UploadStash("orgs").max_bytes == LARGEST_FILE_BYTES == 50 * MB


def test_a_file_over_the_cap_is_cut_and_then_refused_by_the_reader_as_too_large(request_with_session):
    stash = UploadStash("rubric", max_bytes=RUBRIC.file_bytes)
    upload = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"x" * (3 * MB))
    token = stash.put(request_with_session, upload)
    path = stash.path(request_with_session, token)
    assert path.stat().st_size == RUBRIC.file_bytes + 1
    with pytest.raises(WorkbookError) as exc:
        read_table(path, columns=["指标"], caps=RUBRIC)
    assert exc.value.messages == ["文件过大（超过 2 MB）：评分标准工作簿最大 2 MB，请分批导入。"]


def test_a_file_within_the_cap_is_kept_whole(request_with_session):
    wb = openpyxl.Workbook()
    wb.active.append(["指标"])
    wb.active.append(["甲"])
    buf = io.BytesIO()
    wb.save(buf)
    stash = UploadStash("rubric", max_bytes=RUBRIC.file_bytes)
    token = stash.put(request_with_session, SimpleUploadedFile("r.xlsx", buf.getvalue()))
    assert stash.path(request_with_session, token).read_bytes() == buf.getvalue()
    assert read_table(stash.path(request_with_session, token), columns=["指标"], caps=RUBRIC).rows[0]["指标"] == "甲"


def test_a_session_keeps_its_last_files_and_the_older_ones_are_deleted(request_with_session, tmp_path):
    stash = UploadStash("orgs")
    tokens = [stash.put(request_with_session, SimpleUploadedFile("a.xlsx", b"PK")) for _ in range(KEEP_PER_SESSION + 3)]
    assert [stash.path(request_with_session, t) for t in tokens[:3]] == [None, None, None]
    assert all(stash.path(request_with_session, t) for t in tokens[3:])
    assert len(list((tmp_path / "imports").glob("orgs-*.xlsx"))) == KEEP_PER_SESSION
