"""The `hotline` command groups, one module each. The factory registers them; nothing here
imports the factory (`hotline.main` is the console entry that does)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from hotline.cli.access import token, user
    from hotline.cli.db import db_cli
    from hotline.cli.kb import kb
    from hotline.cli.reports import reports
    from hotline.cli.seed import seed
    from hotline.cli.serve import serve, worker
    from hotline.cli.staffing import staffing
    from hotline.cli.workorders import workorders
    from hotline.simulator.cli import simulate

    for command in (
        db_cli,
        seed,
        serve,
        worker,
        token,
        user,
        staffing,
        kb,
        workorders,
        reports,
        simulate,
    ):
        app.cli.add_command(command)
