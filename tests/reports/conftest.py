import pytest

from tests.reports import builders


@pytest.fixture
def data(tree, campaign, staff):
    """The fixture campaign of builders.scenario (7 定级对象, 5 graded)."""
    return builders.scenario(tree, campaign, staff)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _in_process_tasks(request, settings):
    """Tasks run in-process except in the tests marked `celery`, which use the real broker and worker."""
    if request.node.get_closest_marker("celery") is None:
        settings.CELERY_TASK_ALWAYS_EAGER = True
