"""The SQLite schema's numbered migrations and the runner they share with other stores."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from orchestrion.jobs.migrate import Migration, MigrationError, load_migrations, run_migrations
from orchestrion.jobs.sqlite import SQLITE_DIALECT, SQLiteJobStore

from . import _upgrade

SQLITE_MIGRATIONS = "orchestrion.jobs.migrations.sqlite"
SPAWN = multiprocessing.get_context("spawn")


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _recorded(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()


def test_shipped_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations(SQLITE_MIGRATIONS)
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert len(migrations) >= 2 and all(m.sql.strip() for m in migrations)


def test_fresh_database_migrates_to_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fresh.db"  # the folder is created too
    store = SQLiteJobStore(path)
    latest = load_migrations(SQLITE_MIGRATIONS)[-1].version
    assert store.migrate() == latest
    store.ping()
    assert {"api_keys", "jobs", "job_counts", "workers", "schema_migrations"} <= _tables(path)
    assert [v for v, _ in _recorded(path)] == list(range(1, latest + 1))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store.close()


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    store = SQLiteJobStore(path)
    first = store.migrate()
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT version, name, applied_at FROM schema_migrations").fetchall()
        schema = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert SQLiteJobStore(path).migrate() == first == store.migrate()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version, name, applied_at FROM schema_migrations").fetchall() == before
        assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    store.close()


def _migrate_in_child(path: str, barrier, results) -> None:  # noqa: ANN001
    barrier.wait()
    try:
        results.put(SQLiteJobStore(path).migrate())
    except BaseException as exc:  # the parent must see why
        results.put(repr(exc))


def test_processes_migrating_together_end_consistent(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    count = 4
    barrier, results = SPAWN.Barrier(count), SPAWN.Queue()
    children = [SPAWN.Process(target=_migrate_in_child, args=(str(path), barrier, results)) for _ in range(count)]
    for child in children:
        child.start()
    answers = [results.get(timeout=60) for _ in range(count)]
    for child in children:
        child.join(30)
    latest = load_migrations(SQLITE_MIGRATIONS)[-1].version
    assert answers == [latest] * count
    assert [v for v, _ in _recorded(path)] == list(range(1, latest + 1))
    store = SQLiteJobStore(path)
    store.ping()
    assert store.count_keys() == 0
    store.close()


def test_database_one_version_behind_upgrades_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    migrations = load_migrations(SQLITE_MIGRATIONS)
    old = SQLiteJobStore(path)
    conn = old._conn()  # the store's own connection, with its pragmas, at the previous schema version
    assert run_migrations(conn, migrations[:-1], SQLITE_DIALECT) == migrations[-2].version
    conn.execute("INSERT INTO api_keys (id, name, key_hash, prefix, created_at) VALUES ('k1', 'old', 'h', 'p', 1)")
    conn.execute("INSERT INTO jobs (id, key_id, model, engine_model, params, status, max_attempts, created_at,"
                 " updated_at, credits_used) VALUES ('j1', 'k1', 'm', 'm', '{\"prompt\": \"kept\"}', 'queued', 3,"
                 " 1, 1, 1)")
    old.close()

    upgraded = SQLiteJobStore(path)
    assert upgraded.migrate() == migrations[-1].version
    job = upgraded.get_job("j1")
    assert job is not None and job.params == {"prompt": "kept"} and upgraded.queue_depth() == 1
    assert upgraded.count_keys() == 1
    # What the newest migration adds works on the upgraded database.
    upgraded.record_worker("w1", engine_models=["m"], state="ready")
    assert [w["worker_id"] for w in upgraded.live_workers(60)] == ["w1"]
    upgraded.close()


def _write_migrations(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, sql in files.items():
        (folder / name).write_text(sql)
    return folder


def test_failing_migration_rolls_back_the_whole_run(tmp_path: Path) -> None:
    folder = _write_migrations(tmp_path / "m", {
        "0001_good.sql": "CREATE TABLE good (x INTEGER);\nINSERT INTO good VALUES (1);\n",
        "0002_bad.sql": "CREATE TABLE also_good (y INTEGER);\nTHIS IS NOT SQL;\n",
    })
    path = tmp_path / "rollback.db"
    store = SQLiteJobStore(path)
    with pytest.raises(MigrationError, match="0002_bad"):
        run_migrations(store._conn(), load_migrations(folder), SQLITE_DIALECT)
    tables = _tables(path)
    assert {"good", "also_good"}.isdisjoint(tables)
    assert "schema_migrations" not in tables or _recorded(path) == []
    store.close()


def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    store = SQLiteJobStore(path)
    store.migrate()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 0)")
    with pytest.raises(MigrationError, match="newer"):
        store.migrate()
    store.close()


def test_trigger_bodies_and_comments_survive_statement_splitting(tmp_path: Path) -> None:
    migrations = [Migration(1, "trigger", (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE t (x INTEGER);\n"
        "CREATE TABLE log (x INTEGER);\n"
        "CREATE TRIGGER t_log AFTER INSERT ON t\nBEGIN\n    INSERT INTO log VALUES (NEW.x);\n"
        "    INSERT INTO log VALUES (NEW.x * 10);\nEND;\n"
        "-- trailing comment\n"))]
    path = tmp_path / "trigger.db"
    store = SQLiteJobStore(path)
    assert run_migrations(store._conn(), migrations, SQLITE_DIALECT) == 1
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO t VALUES (2)")
        assert sorted(x for (x,) in conn.execute("SELECT x FROM log")) == [2, 20]
    store.close()


@pytest.mark.parametrize("name", ["1_short.sql", "0001-dash.sql", "0001_Upper.sql", "abcd_x.sql", "0000_zero.sql"])
def test_misnamed_migration_files_are_errors_not_skipped(tmp_path: Path, name: str) -> None:
    folder = _write_migrations(tmp_path / "m", {name: "SELECT 1;", "README.txt": "not a migration"})
    with pytest.raises(MigrationError):
        load_migrations(folder)


def test_two_files_with_one_version_are_an_error(tmp_path: Path) -> None:
    folder = _write_migrations(tmp_path / "m", {"0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"})
    with pytest.raises(MigrationError, match="0001"):
        load_migrations(folder)


def test_a_database_from_before_fair_claims_and_budgets_upgrades_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "before_budgets.db"
    migrations = load_migrations(SQLITE_MIGRATIONS)
    old = SQLiteJobStore(path)
    conn = old._conn()
    assert run_migrations(conn, migrations[:_upgrade.BEFORE], SQLITE_DIALECT) == _upgrade.BEFORE
    conn.execute("BEGIN")
    _upgrade.seed(conn.execute, "?")
    conn.execute("COMMIT")
    old.close()

    upgraded = SQLiteJobStore(path)
    assert upgraded.migrate() == migrations[-1].version
    _upgrade.assert_upgraded(upgraded)
    upgraded.close()
