"""Options and helpers shared by the server-side commands (`serve`, `worker`, `keys`)."""

from __future__ import annotations

from typing import Any

import click

from ..config import ConfigError, Settings, load_settings

__all__ = ["EXIT_FAILED", "EXIT_SERVER", "EXIT_USAGE", "config_option", "data_dir_option", "open_migrated_store", "settings_from"]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SERVER = 3

config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), default=None,
    help="TOML settings file (default: $ORCHESTRION_CONFIG).",
)
data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Data folder for the database and files (default: ./orchestrion-data or $ORCHESTRION_DATA_DIR).",
)


def settings_from(config_file: str | None, **overrides: Any) -> Settings:
    """Settings as every command reads them; configuration mistakes become usage errors."""
    try:
        return load_settings(config_file, **overrides)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def open_migrated_store(settings: Settings, wait_seconds: float = 30.0):  # noqa: ANN201 - JobStore
    """The job store the settings name, migrated to the latest schema.

    A database that is not up yet (machines starting together) is waited for up to ``wait_seconds``; then the
    command exits with code 3 and the reason, not a traceback.
    """
    import time

    from ..jobs import StoreUnavailable, open_store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    deadline = time.monotonic() + wait_seconds
    delay = 0.5
    while True:
        try:
            store.migrate()
            return store
        except StoreUnavailable as exc:
            if time.monotonic() + delay > deadline:
                store.close()
                click.echo(f"error: the job store is unavailable: {exc}", err=True)
                raise SystemExit(EXIT_SERVER) from None
            click.echo(f"waiting for the job store ({exc}); retrying in {delay:g} s", err=True)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
