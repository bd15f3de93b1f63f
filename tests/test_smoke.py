import pytest
from django.urls import reverse

from campaigns.selectors import targets
from tests.conftest import login


def test_targets_follow_spec_coverage_rules(campaign):
    codes = [o.code for o in targets(campaign)]
    # root never; committees without a sector never; branches under a 村 总支 never; agency committee itself yes.
    assert codes == ["vil-1", "vil-2", "com-1", "vil-3", "agency", "ag-1", "ag-2"]


@pytest.mark.parametrize("persona", ["staff", "reviewer_of_township", "secretary_of_branch"])
def test_home_for_every_role(client, request, persona, campaign):
    user = request.getfixturevalue(persona)
    response = login(client, user).get(reverse("home"))
    assert response.status_code == 200
    assert campaign.name in response.content.decode()


def test_home_needs_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_upload_stash_belongs_to_the_uploading_session(rf, db):
    """A stashed upload can be taken back only by its own session, once, and only with a well-formed token."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.uploads import UploadStash

    stash = UploadStash("test")
    mine, theirs = rf.post("/"), rf.post("/")
    mine.session, theirs.session = SessionStore(), SessionStore()
    token = stash.put(mine, SimpleUploadedFile("a.xlsx", b"content"))
    assert stash.path(mine, token).read_bytes() == b"content"
    assert stash.path(theirs, token) is None
    assert stash.path(mine, "../../etc/passwd") is None
    stash.discard(mine, token)
    assert stash.path(mine, token) is None
