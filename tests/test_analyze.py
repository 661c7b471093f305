"""`tracker demo` and `tracker seed` refresh the planner's statistics after their bulk loads:
on a never-analysed PostgreSQL table a claim or a report query can take seconds."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tracker.database import analyze
from tracker.extensions import db


def test_demo_and_seed_run_analyze(runner, monkeypatch):
    calls = []
    monkeypatch.setattr("tracker.cli.analyze", lambda engine: calls.append(engine))
    result = runner.invoke(args=["demo", "--tasks", "20", "--units", "4"])
    assert result.exit_code == 0, result.output
    assert calls == [db.engine]
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert calls == [db.engine, db.engine]


def test_analyze_is_a_no_op_on_sqlite(app, is_postgres):
    assert analyze(db.engine) is is_postgres


def _task_stats() -> tuple[int, int]:
    db.session.commit()
    db.session.execute(text("SELECT pg_stat_clear_snapshot()"))
    row = db.session.execute(
        text("SELECT analyze_count, n_live_tup FROM pg_stat_user_tables WHERE relname = 'task'")
    ).one()
    db.session.commit()
    return row.analyze_count, row.n_live_tup


def test_demo_analyzes_the_tables_on_postgresql(runner, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL statistics")
    before, _ = _task_stats()
    result = runner.invoke(args=["demo", "--tasks", "50", "--units", "6"])
    assert result.exit_code == 0, result.output
    after, live = _task_stats()
    assert after == before + 1  # a manual ANALYZE (autovacuum counts apart)
    assert live >= 50  # the statistics know the rows just loaded
    (reltuples,) = db.session.execute(
        text("SELECT reltuples FROM pg_class WHERE relname = 'task'")
    ).one()
    assert reltuples >= 50  # what the planner reads: -1 on a never-analysed table
