"""The `orchestrion` command line.

Each command lives in its own module and is attached to the group here. Exit codes mean something:
0 done, 1 generation failed, 2 usage error, 3 server or authentication error.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["main"]

#: command name -> "module:attribute" (imported lazily so `orchestrion --help` stays fast)
COMMANDS = {
    "serve": "orchestrion.cli.serve:serve",
    "worker": "orchestrion.cli.serve:worker",
    "keys": "orchestrion.cli.keys:keys",
    "generate": "orchestrion.cli.generate:generate",
    "extend": "orchestrion.cli.edit:extend",
    "repaint": "orchestrion.cli.edit:repaint",
    "remix": "orchestrion.cli.edit:remix",
    "status": "orchestrion.cli.remote:status",
    "download": "orchestrion.cli.remote:download",
    "models": "orchestrion.cli.remote:models",
    "webhooks": "orchestrion.cli.webhooks:webhooks",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orchestrion")
def cli() -> None:
    """Orchestrion: a self-hosted text-to-music service speaking the AI/ML API audio protocol."""


def main() -> None:
    cli(prog_name="orchestrion")
