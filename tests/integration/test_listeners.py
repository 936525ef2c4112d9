"""The application's transaction listeners: in their order, and for the outermost transaction."""

import pytest

from hotline.infra import jobs, reference
from hotline.infra.database import new_session
from workorders.models import Category

pytestmark = pytest.mark.changes_reference_data
CATEGORY = "SOCINS.PENSION"
names_seen: list[str] = []


def read_category_name(code: str) -> None:
    """A job that reads reference data through the process's cache."""

    def load() -> str:
        with new_session() as session:
            return session.get(Category, code).name

    names_seen.append(reference.cache().get(("category name", code), load))


@pytest.fixture
def probe_job(monkeypatch):
    spec = jobs.JobSpec(f"{__name__}.read_category_name", "messages")
    monkeypatch.setitem(jobs.JOBS, "read_category_name", spec)
    names_seen.clear()


def test_a_job_run_right_after_the_commit_reads_what_it_committed(app, session, probe_job):
    reference.cache().get(("category name", CATEGORY), lambda: "养老保险（旧名）")
    session.get(Category, CATEGORY).name = "养老金"
    jobs.enqueue(session, "read_category_name", CATEGORY)
    session.commit()  # the cache is forgotten before the job is handed over
    assert names_seen == ["养老金"]


def test_a_released_savepoint_is_not_the_commit(app, session):
    generation = reference._current
    with session.begin_nested():
        session.get(Category, CATEGORY).name = "养老金"
    assert reference._current == generation  # still uncommitted: other threads keep the copy
    session.commit()
    assert reference._current != generation
