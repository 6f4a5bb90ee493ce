"""A throwaway PostgreSQL server for tests and benchmarks: its own cluster in a temp folder on a free loopback port.

Built from the server binaries of Debian's ``postgresql`` package (``scripts/bootstrap --dev`` installs them) with
``initdb`` and ``pg_ctl``. ``initdb`` refuses to run as root, so as root every server command runs as the
``postgres`` system user (``runuser``), which then owns the folder. Missing binaries raise
:class:`PostgresUnavailable` with the install hint: tests that need PostgreSQL fail, they are never skipped.

The server can be stopped (cleanly or by an immediate, crash-like shutdown), started again on the same port and
data, and it is always stopped when the Python process exits.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from pathlib import Path

__all__ = ["PostgresServer", "PostgresUnavailable", "find_bin_dir"]

SUPERUSER = "orchestrion"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are missing or the server would not start."""


def find_bin_dir() -> Path:
    """The folder holding ``initdb``/``pg_ctl``: ``$ORCHESTRION_PG_BIN``, else the newest Debian install."""
    explicit = os.environ.get("ORCHESTRION_PG_BIN")
    installed = [p for p in glob.glob("/usr/lib/postgresql/*/bin") if Path(p).parent.name.isdigit()]
    candidates = [explicit] if explicit else sorted(installed, key=lambda p: int(Path(p).parent.name), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked for initdb and pg_ctl in "
        f"{explicit or '/usr/lib/postgresql/*/bin'}); install them with `scripts/bootstrap --dev` "
        "(Debian package `postgresql`) or point ORCHESTRION_PG_BIN at their folder")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One PostgreSQL cluster. ``durable=False`` (tests) turns fsync off: a crash of PostgreSQL itself still loses
    nothing acknowledged, since the operating system keeps what was written; only a machine crash would."""

    def __init__(self, root: Path | str | None = None, *, port: int | None = None, durable: bool = False,
                 max_connections: int = 200) -> None:
        self.bin_dir = find_bin_dir()
        self._owned_root = root is None
        self.root = Path(root or tempfile.mkdtemp(prefix="orchestrion-pg-"))
        self.data_dir = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.port = port or _free_port()
        self.durable = durable
        self.max_connections = max_connections
        self._as_user: list[str] = []
        self._databases = itertools.count(1)
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root, and there is no `postgres` user to run the server "
                                          "as (initdb refuses root)") from None
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._finalizer = weakref.finalize(self, _stop_quietly, [*self._as_user, *self._pg_ctl_args("stop", "-m", "immediate")],
                                           self.root if self._owned_root else None)

    # -- addresses ---------------------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database_url(self) -> str:
        """A fresh, empty database on this server (one per test keeps tests apart)."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._databases)}"
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    # -- running -----------------------------------------------------------------------------------------------
    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as_user, *args], capture_output=True, text=True, timeout=timeout)

    def _pg_ctl_args(self, *args: str) -> list[str]:
        return [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *args]

    def _init(self) -> None:
        done = self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust",
                         "-E", "UTF8", "--locale=C", "--no-sync")
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "''",  # TCP on loopback only: no socket files in shared folders
            "max_connections": str(self.max_connections),
            "shared_buffers": "'128MB'",
            "fsync": "on" if self.durable else "off",
            "full_page_writes": "on" if self.durable else "off",
            "synchronous_commit": "on",
            "log_min_messages": "warning",
            "log_line_prefix": "'%m [%p] '",
        }
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write("\n# orchestrion test server\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self, timeout: float = 60) -> "PostgresServer":
        if not (self.data_dir / "PG_VERSION").exists():
            self._init()
        done = self._run(*self._pg_ctl_args("start", "-w", "-t", str(int(timeout)), "-l", str(self.log_path)),
                         timeout=timeout + 10)
        if done.returncode != 0:
            raise PostgresUnavailable(f"PostgreSQL would not start ({done.returncode}): {done.stderr.strip()}\n"
                                      f"{self.log()}")
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise PostgresUnavailable(f"PostgreSQL not accepting connections after {timeout} s\n"
                                              f"{self.log()}") from None
                time.sleep(0.05)

    def stop(self, mode: str = "fast", timeout: float = 60) -> None:
        """``fast``: roll back sessions and shut down cleanly; ``immediate``: stop as if it crashed (recovery runs
        on the next start)."""
        if mode not in {"smart", "fast", "immediate"}:
            raise ValueError(f"unknown shutdown mode {mode!r}")
        if not self.running:
            return
        done = self._run(*self._pg_ctl_args("stop", "-w", "-m", mode, "-t", str(int(timeout))),
                         timeout=timeout + 10)
        if done.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl stop failed: {done.stderr.strip()}")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    @property
    def running(self) -> bool:
        return self._run(*self._pg_ctl_args("status")).returncode == 0

    def log(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def close(self) -> None:
        """Stop the server and remove its folder (when this object made it)."""
        self._finalizer()

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop_quietly(pg_ctl_stop: list[str], remove: Path | None) -> None:
    try:
        subprocess.run(pg_ctl_stop, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pass
    if remove is not None:
        shutil.rmtree(remove, ignore_errors=True)
