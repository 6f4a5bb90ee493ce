"""The shape of the SQL stores: one set of rules (``SQLJobStore``) over each database's named statements."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import orchestrion.jobs.sql_store as sql_store
from orchestrion.jobs._rows import JOB_COLUMNS
from orchestrion.jobs.postgres import PostgresJobStore
from orchestrion.jobs.queries import DIALECTS, load_queries, parse_blocks, read_blocks, translate
from orchestrion.jobs.sql_store import SHARED_QUERIES, SQLJobStore
from orchestrion.jobs.sqlite import SQLiteJobStore

STORES = [SQLiteJobStore, PostgresJobStore]


@pytest.mark.parametrize("store_class", STORES)
def test_each_store_class_has_its_own_docstring(store_class: type) -> None:
    doc = store_class.__doc__
    assert doc is not None and doc.strip()
    assert doc != SQLJobStore.__doc__
    assert store_class.__name__ != "SQLJobStore" and issubclass(store_class, SQLJobStore)


def test_the_rules_use_exactly_the_shared_statements() -> None:
    source = Path(sql_store.__file__).read_text()
    used = set(re.findall(r"\b_?q\.([a-z_]+)", source))
    assert used == set(SHARED_QUERIES)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_names_every_shared_statement_once(dialect: str) -> None:
    common, own = read_blocks("common.sql"), read_blocks(f"{dialect}.sql")
    assert not set(common) & set(own)
    assert SHARED_QUERIES <= set(common) | set(own)
    queries = load_queries(dialect, required=SHARED_QUERIES, now="clock()")
    assert all(isinstance(getattr(queries, name), str) for name in SHARED_QUERIES)


def test_what_each_dialect_spells_its_own_way_it_names_alike() -> None:
    common = set(read_blocks("common.sql"))
    own = {dialect: (set(read_blocks(f"{dialect}.sql")) - common) & SHARED_QUERIES for dialect in DIALECTS}
    assert own["sqlite"] == own["postgres"]


def test_the_stores_load_their_dialects_statements() -> None:
    assert ":now" in SQLiteJobStore._q.heartbeat and "json_each(:seqs)" in SQLiteJobStore._q.delete_jobs
    assert "%(" in PostgresJobStore._q.heartbeat and ":now" not in PostgresJobStore._q.heartbeat
    assert "FOR UPDATE" in PostgresJobStore._q.admission_key and "FOR UPDATE" not in SQLiteJobStore._q.admission_key


def test_translation_into_each_drivers_notation() -> None:
    sql = "UPDATE t SET a = :now + :lease, b = :x::jsonb WHERE id = ANY(:ids) AND c = '{job_columns}'"
    assert translate(sql, "sqlite") == (
        "UPDATE t SET a = :now + :lease, b = :x::jsonb WHERE id IN (SELECT value FROM json_each(:ids)) AND c = "
        f"'{JOB_COLUMNS}'")
    assert translate(sql, "postgres", "clock()").startswith(
        "UPDATE t SET a = clock() + %(lease)s, b = %(x)s::jsonb WHERE id = ANY(%(ids)s)")
    assert translate("SELECT :now", "postgres") == "SELECT %(now)s"
    with pytest.raises(ValueError, match="literal %"):
        translate("SELECT 5 % 2", "postgres")


def test_query_files_are_parsed_strictly() -> None:
    text = "-- a header\n-- name: one\n-- what it does\nSELECT 1\n\n-- name: two\nSELECT\n  2\n"
    assert parse_blocks(text) == {"one": "SELECT 1", "two": "SELECT\n  2"}
    with pytest.raises(ValueError, match="named twice"):
        parse_blocks("-- name: one\nSELECT 1\n-- name: one\nSELECT 2\n")
    with pytest.raises(ValueError, match="before the first"):
        parse_blocks("SELECT 1\n-- name: one\nSELECT 2\n")
    with pytest.raises(ValueError, match="no SQL under"):
        parse_blocks("-- name: one\n-- name: two\nSELECT 2\n")
    with pytest.raises(ValueError, match="lacks the statements"):
        load_queries("sqlite", required={"no_such_statement"})
    with pytest.raises(ValueError, match="no query file"):
        load_queries("oracle", required=())
