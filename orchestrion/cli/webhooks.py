"""`orchestrion webhooks secret`: print the secret webhook deliveries are signed with."""

from __future__ import annotations

import click

from ._common import config_option, data_dir_option, settings_from

__all__ = ["webhooks"]


@click.group()
def webhooks() -> None:
    """Webhook deliveries (Standard Webhooks signatures)."""


@webhooks.command()
@data_dir_option
@config_option
def secret(data_dir: str | None, config_file: str | None) -> None:
    """Print the signing secret (whsec_...), creating it on first use. Receivers verify deliveries with it."""
    from ..webhooks import load_webhook_secret

    settings = settings_from(config_file, data_dir=data_dir)
    try:
        click.echo(load_webhook_secret(settings.data_dir, settings.webhook_secret))
    except ValueError as exc:
        raise click.UsageError(f"webhook_secret: {exc}") from None
