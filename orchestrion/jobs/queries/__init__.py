"""The SQL stores' named statements, loaded once at import: ``common.sql`` holds those both databases run as they
are written, ``sqlite.sql`` and ``postgres.sql`` those each database spells its own way (row locks, counters,
functions the other lacks). A statement is a block that starts with a ``-- name: NAME`` line and runs to the next
one; comments above a statement's first line belong to it and are kept out of its text.

The files are written in one notation, SQLite's, and :func:`load_queries` turns it into each driver's:

- ``:name`` is a parameter, bound by name from the dict the store passes (PostgreSQL: ``%(name)s``);
- ``:now`` is the store's clock: on SQLite a parameter the store binds to ``time.time()``, on PostgreSQL the
  database's own clock, so leases hold even when the machines' clocks disagree;
- ``= ANY(:name)`` tests membership in a list parameter (on SQLite the list is bound as JSON text and read with
  ``json_each``);
- ``{job_columns}``, ``{key_columns}`` and ``{delivery_columns}`` stand for the column lists of :mod:`.._rows`, in
  the order the row readers take them.

A name may stand in one file only, and a store refuses to load unless every name its rules use is there.
"""

from __future__ import annotations

import re
from importlib import resources
from types import SimpleNamespace
from typing import Iterable

from .._rows import DELIVERY_COLUMNS, JOB_COLUMNS, KEY_COLUMNS

__all__ = ["DIALECTS", "load_queries", "parse_blocks", "read_blocks", "translate"]

#: The dialect files besides ``common.sql``.
DIALECTS = ("sqlite", "postgres")

_NAME_LINE = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$")
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_ANY = re.compile(r"=\s*ANY\(:([A-Za-z_]\w*)\)")
_COLUMNS = {"{job_columns}": JOB_COLUMNS, "{key_columns}": KEY_COLUMNS, "{delivery_columns}": DELIVERY_COLUMNS}


def read_blocks(file_name: str) -> dict[str, str]:
    """The statements of one of this package's query files by name (see :func:`parse_blocks`)."""
    return parse_blocks(resources.files(__package__).joinpath(file_name).read_text(encoding="utf-8"), file_name)


def parse_blocks(text: str, file_name: str = "<text>") -> dict[str, str]:
    """The statements of a query file's text by name, as written (comments and blank lines left out)."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        named = _NAME_LINE.match(line.strip())
        if named:
            name = named.group(1)
            if name in blocks:
                raise ValueError(f"{file_name}:{number}: the statement {name!r} is named twice")
            current = blocks[name] = []
        elif line.strip() and not line.strip().startswith("--"):
            if current is None:
                raise ValueError(f"{file_name}:{number}: SQL before the first '-- name:' line")
            current.append(line.rstrip())
    empty = [name for name, lines in blocks.items() if not lines]
    if empty:
        raise ValueError(f"{file_name}: no SQL under {', '.join(empty)}")
    return {name: "\n".join(lines) for name, lines in blocks.items()}


def load_queries(dialect: str, *, required: Iterable[str], now: str | None = None) -> SimpleNamespace:
    """The statements one database runs, by name, in its driver's notation (see the module docstring).

    ``now`` is the SQL of the database's clock; without it ``:now`` stays a parameter (SQLite). Raises
    ``ValueError`` when a name stands in both files, or when a name in ``required`` stands in neither.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"no query file for {dialect!r}; there are {list(DIALECTS)}")
    common, own = read_blocks("common.sql"), read_blocks(f"{dialect}.sql")
    both = sorted(set(common) & set(own))
    if both:
        raise ValueError(f"{dialect}.sql names again what common.sql holds: {', '.join(both)}")
    statements = {**common, **own}
    missing = sorted(set(required) - set(statements))
    if missing:
        raise ValueError(f"the {dialect} store lacks the statements {', '.join(missing)}")
    return SimpleNamespace(**{name: translate(sql, dialect, now) for name, sql in statements.items()})


def translate(sql: str, dialect: str, now: str | None = None) -> str:
    """One statement in the driver's notation of ``dialect`` (see the module docstring)."""
    for macro, columns in _COLUMNS.items():
        sql = sql.replace(macro, columns)
    if dialect == "sqlite":
        return _ANY.sub(r"IN (SELECT value FROM json_each(:\1))", sql)
    if "%" in sql:
        raise ValueError(f"a literal % would be read as a placeholder by the PostgreSQL driver: {sql[:80]!r}")
    if now is not None:
        sql = _PARAMETER.sub(lambda m: now if m.group(1) == "now" else m.group(0), sql)
    return _PARAMETER.sub(r"%(\1)s", sql)
