"""`orchestrion keys`: create, list and revoke API keys (stored hashed; a key is shown once)."""

from __future__ import annotations

import time

import click
import orjson

from ..jobs import ApiKey, JobStore
from ._common import config_option, data_dir_option, open_migrated_store, settings_from

__all__ = ["create_api_key", "keys"]


def create_api_key(store: JobStore, name: str, quota: int | None) -> tuple[str, ApiKey]:
    """Make a random key, store its hash, and return (plaintext, record). The plaintext is never stored."""
    from ..jobs.keys import generate_key, new_key_id

    plaintext, key_hash, prefix = generate_key()
    record = store.create_key(key_id=new_key_id(), name=name, key_hash=key_hash, prefix=prefix, quota=quota)
    return plaintext, record


def _key_dict(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id, "name": key.name, "prefix": key.prefix, "created_at": key.created_at,
        "revoked": key.revoked, "quota": key.quota, "credits_used": key.credits_used,
    }


def _open(config_file: str | None, data_dir: str | None) -> JobStore:
    return open_migrated_store(settings_from(config_file, data_dir=data_dir))


@click.group()
def keys() -> None:
    """Manage API keys."""


@keys.command("create")
@click.option("--name", default="default", show_default=True, help="A label to tell keys apart.")
@click.option("--quota", type=click.IntRange(min=0), default=None, help="Credit quota (default: unlimited).")
@config_option
@data_dir_option
def create(name: str, quota: int | None, config_file: str | None, data_dir: str | None) -> None:
    """Create a key and print it as the last line (it is not shown again)."""
    store = _open(config_file, data_dir)
    try:
        plaintext, record = create_api_key(store, name, quota)
    finally:
        store.close()
    click.echo(f"Created key {record.id} ({record.name}). Keep it now; it is stored hashed and not shown again:",
               err=True)
    click.echo(plaintext)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@config_option
@data_dir_option
def list_(as_json: bool, config_file: str | None, data_dir: str | None) -> None:
    """List keys (never the keys themselves)."""
    store = _open(config_file, data_dir)
    try:
        records = store.list_keys()
    finally:
        store.close()
    if as_json:
        click.echo(orjson.dumps([_key_dict(k) for k in records]).decode())
        return
    for k in records:
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(k.created_at))
        state = "revoked" if k.revoked else "active"
        quota = "unlimited" if k.quota is None else str(k.quota)
        click.echo(f"{k.id}  {k.prefix}…  {k.name:<16} {state:<8} credits {k.credits_used}/{quota}  {created}")


@keys.command("revoke")
@click.argument("key_id")
@config_option
@data_dir_option
def revoke(key_id: str, config_file: str | None, data_dir: str | None) -> None:
    """Revoke a key by id or prefix; requests with it answer 403 from then on."""
    store = _open(config_file, data_dir)
    try:
        record = store.revoke_key(key_id)
    except ValueError as exc:  # a prefix that matches several keys
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
    finally:
        store.close()
    if record is None:
        click.echo(f"error: no key matches {key_id!r}", err=True)
        raise SystemExit(2)
    click.echo(f"Revoked {record.id} ({record.name}).")
