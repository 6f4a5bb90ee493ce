"""`orchestrion extend ID`, `orchestrion repaint ID` and `orchestrion remix ID`: edit a finished composer generation.

Each edit reads a generation the server stored, so these commands always talk to a server (``--base-url`` /
``ORCHESTRION_BASE_URL``, else http://127.0.0.1:8000); there is no in-process run. Like `generate` they wait for
the new generation, download its track and print its path last on stdout; the section plan and what the edit did go
to stderr (or, with ``--json``, into the one JSON object).
"""

from __future__ import annotations

from typing import Any, Callable

import click

from ._client_support import (
    Progress,
    api_key_option,
    base_url_option,
    exit_on_client_errors,
    json_option,
    make_client,
    use_json,
)
from .generate import SEED_MAX, _output_format, delivery_options, extras_asked, finish_remote, report

__all__ = ["extend", "remix", "repaint"]


def edit_options(command: Any) -> Any:
    """What every edit takes besides its own fields: the model and seed, where files go, the server."""
    for option in reversed([
        click.option("--model", default=None, metavar="MODEL",
                     help="Model id (default: the model that made ID)."),
        click.option("--seed", type=click.IntRange(0, SEED_MAX), default=None, help="Seed of the new material."),
        delivery_options,
        click.option("--timeout", type=click.FloatRange(min=0), default=600.0, show_default=True,
                     help="Seconds to wait for the server to finish (0: no limit)."),
        base_url_option(),
        api_key_option,
        json_option,
    ]):
        command = option(command)
    return command


def run_edit(create: Callable[[Any], Any], *, fmt: str | None, output: str | None, midi: str | None,
             stems: str | None, sheet_music: str | None, timeout: float, base_url: str | None, api_key: str | None,
             as_json: bool) -> None:
    """Queue an edit with ``create(client)``, wait for it, download its files and report."""
    use_json(as_json)
    fmt = _output_format(fmt, output)
    with Progress(enabled=not as_json) as progress:
        with exit_on_client_errors(base_url), make_client(base_url, api_key) as client:
            created = create(client, output_format=fmt, **extras_asked(stems, sheet_music))
            outcome = finish_remote(client, progress, created, model=None, fmt=fmt, output=output, midi=midi,
                                    stems=stems, sheet_music=sheet_music, timeout=timeout or None)
        elapsed = progress.elapsed
    report(outcome, elapsed, "server", as_json)


@click.command()
@click.argument("generation_id", metavar="ID")
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="How much longer than ID the new track is.")
@click.option("--prompt", default=None, metavar="TEXT", help="Prompt of the new generation (default: ID's).")
@edit_options
def extend(generation_id: str, seconds: float, prompt: str | None, model: str | None, seed: int | None,
           **delivery: Any) -> None:
    """Continue composer generation ID for --seconds more and write the longer track.

    The new track is ID's track up to the start of its closing bar, then more of the same piece (key, tempo,
    instruments, motifs). Exit codes: 0 done, 1 generation failed, 2 usage error, 3 server error (unknown ID,
    ID not finished).

    \b
    Example:
      orchestrion extend 3f0c...:lyria2 --seconds 30 -o longer.wav
    """
    run_edit(lambda client, **options: client.audio.extend(generation_id, seconds, model=model, prompt=prompt,
                                                           seed=seed, **options), **delivery)


@click.command()
@click.argument("generation_id", metavar="ID")
@click.option("--start", type=click.FloatRange(min=0), required=True, metavar="SECONDS",
              help="Start of the span to compose anew (widened to whole bars).")
@click.option("--end", type=click.FloatRange(min=0), required=True, metavar="SECONDS",
              help="End of the span (widened to whole bars).")
@click.option("--prompt", default=None, metavar="TEXT",
              help="What the span should become (its mood, energy, instruments; default: ID's prompt).")
@edit_options
def repaint(generation_id: str, start: float, end: float, prompt: str | None, model: str | None, seed: int | None,
            **delivery: Any) -> None:
    """Compose the bars of composer generation ID from --start to --end anew; the rest stays sample for sample.

    Exit codes: 0 done, 1 generation failed, 2 usage error, 3 server error (unknown ID, ID not finished).

    \b
    Example:
      orchestrion repaint 3f0c...:lyria2 --start 10 --end 20 --prompt "a quiet piano break"
    """
    if end <= start:
        raise click.BadParameter(f"must be after --start ({start:g})", param_hint="--end")
    run_edit(lambda client, **options: client.audio.repaint(generation_id, start, end, prompt=prompt, model=model,
                                                            seed=seed, **options), **delivery)


@click.command()
@click.argument("generation_id", metavar="ID")
@click.option("--prompt", required=True, metavar="TEXT", help="The style, ensemble and production to play ID in.")
@click.option("--bpm", type=click.FloatRange(min=0, min_open=True), default=None, help="A new tempo.")
@click.option("--key", "musical_key", default=None, metavar="KEY", help='A new key, e.g. "D minor".')
@edit_options
def remix(generation_id: str, prompt: str, bpm: float | None, musical_key: str | None, model: str | None,
          seed: int | None, **delivery: Any) -> None:
    """Play the composition of composer generation ID (form, harmony, melody) in the style --prompt asks for.

    Exit codes: 0 done, 1 generation failed, 2 usage error, 3 server error (unknown ID, ID not finished).

    \b
    Example:
      orchestrion remix 3f0c...:lyria2 --prompt "synthwave, 110 BPM" --key "E minor"
    """
    if not prompt.strip():
        raise click.BadParameter("must not be empty", param_hint="--prompt")
    run_edit(lambda client, **options: client.audio.remix(generation_id, prompt, model=model, bpm=bpm,
                                                          key=musical_key, seed=seed, **options), **delivery)
