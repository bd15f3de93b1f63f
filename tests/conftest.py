"""Persona fixtures (staff, reviewer_of_township, secretary_of_branch, other_secretary, anonymous) over a small
county tree. Every view test requests a page as the right persona and as a wrong one."""
import pytest
from django.core.servers.basehttp import WSGIServer

from tests import factories as f

# The live server (pytest-django's live_server) listens with Django's default backlog of 10. Fifty clients connecting
# at once overflow it and the kernel resets some connections, which tests the socket, not the site. Production
# servers (gunicorn) listen with a backlog of 2048; give the test server a backlog that holds every client.
WSGIServer.request_queue_size = 128


@pytest.fixture
def tree(db):
    return f.county()


@pytest.fixture
def staff(tree):
    return f.user("staff", f.STAFF, first_name="组织部小王")


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root")


@pytest.fixture
def reviewer_of_township(tree):
    """Reviews 甲镇 (town-a): sees its subtree, reviews vil-1, vil-2, com-1."""
    return f.user("reviewer_a", f.REVIEWER, tree["town-a"], first_name="甲镇评定人")


@pytest.fixture
def other_reviewer(tree):
    """Reviews 乙镇 (town-b) only."""
    return f.user("reviewer_b", f.REVIEWER, tree["town-b"], first_name="乙镇评定人")


@pytest.fixture
def secretary_of_branch(tree):
    """Secretary of 二村党支部 (vil-2), a 定级对象 under 甲镇."""
    return f.user("sec_vil2", f.SECRETARY, tree["vil-2"], first_name="二村书记")


@pytest.fixture
def other_secretary(tree):
    """Secretary of 三村党支部 (vil-3), under 乙镇."""
    return f.user("sec_vil3", f.SECRETARY, tree["vil-3"], first_name="三村书记")


@pytest.fixture
def campaign(tree):
    return f.campaign(tree["county"])


def login(client, user):
    client.force_login(user)
    return client
