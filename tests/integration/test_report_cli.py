"""`hotline reports rollup`: the incremental refresh, and rebuilding ranges of days."""

import sqlalchemy as sa

from tests.report_fixtures import committed_history  # noqa: F401
from workorders.models import WorkOrderRollup


def test_the_rollup_command_refreshes_only_what_changed_and_rebuilds_ranges(
    runner, observer, history
):
    # The commit that wrote the history already refreshed the roll-ups.
    assert observer.scalar(sa.select(sa.func.count()).select_from(WorkOrderRollup)) > 0
    unchanged = runner.invoke(args=["reports", "rollup"])
    assert unchanged.exit_code == 0, unchanged.output
    assert unchanged.output.splitlines() == [
        "roll-ups refreshed: 0 days, 0 rows",
        "call figures tallied: 0 settled hours",  # this history has no calls
    ]

    observer.execute(sa.delete(WorkOrderRollup))
    rebuilt = runner.invoke(
        args=["reports", "rollup", "--from", "2026-10-01", "--to", "2026-10-31"]
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.output.startswith("roll-ups refreshed: 31 days, ")
    days = observer.scalars(sa.select(WorkOrderRollup.day).distinct()).all()
    assert {day.month for day in days} == {10}  # September was not asked for

    backwards = runner.invoke(
        args=["reports", "rollup", "--from", "2026-10-31", "--to", "2026-10-01"]
    )
    assert backwards.exit_code != 0
    assert "--to is before --from" in backwards.output
