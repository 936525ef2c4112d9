"""`hotline workorders sweep --every N` keeps one self-repeating sweep on the rq scheduler."""

import pytest
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry

from hotline.infra import context
from tests.conftest import PUBLIC_URL, app_with, empty_transactional_tables


@pytest.mark.redis
def test_the_sweep_schedules_itself_once_however_often_it_is_started(
    database_url, redis_url, tmp_path
):
    app = app_with(database_url, tmp_path, redis_url=redis_url, public_url=PUBLIC_URL)
    connection = Redis.from_url(redis_url)
    try:
        for _ in range(2):
            result = app.test_cli_runner().invoke(args=["workorders", "sweep", "--every", "300"])
            assert result.exit_code == 0, result.output
            assert "next sweep scheduled" in result.output
        registry = ScheduledJobRegistry(queue=Queue("workorders", connection=connection))
        (job_id,) = registry.get_job_ids()
        assert job_id.startswith("workorders-sweep-300-")
        job = Queue("workorders", connection=connection).fetch_job(job_id)
        assert (job.func_name, job.args) == ("hotline.tasks.workorders.sweep_work_orders", (300,))
    finally:
        connection.flushdb()
        connection.close()
        engine = context.engine(app)
        empty_transactional_tables(engine)
        engine.dispose()
