"""`orchestrion status ID`, `orchestrion download ID` and `orchestrion models`: reading a server through the SDK.

These speak only HTTP, so they work against any server that speaks the protocol (``models`` needs ``/v1/models``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._client_support import (
    Progress,
    api_key_option,
    base_url_option,
    echo_json,
    exit_on_client_errors,
    fail,
    json_option,
    make_client,
    use_json,
)
from ._common import EXIT_FAILED
from .generate import edit_line, plan_lines

__all__ = ["download", "models", "status"]


def _size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return "size unknown"
    value = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{num_bytes} B"


def _status_lines(generation: Any) -> list[tuple[str, str]]:
    state = generation.status
    if generation.status == "generating" and generation.progress is not None:
        state += f" ({generation.progress:.0f}%)"
    elif generation.queue_position is not None and generation.status == "queued":
        state += f" ({generation.queue_position} ahead)"
    rows = [("id", generation.id), ("status", state)]
    for label, value in (("model", generation.model), ("seed", generation.seed),
                         ("created", generation.created_at), ("completed", generation.completed_at),
                         ("credits", generation.credits_used)):
        if value is not None:
            rows.append((label, f"{value:g}" if isinstance(value, float) else str(value)))
    if generation.error is not None:
        rows.append(("error", f"{generation.error.name}: {generation.error.message}"))
    if generation.edit is not None:
        rows.append(("edit", edit_line(dict(generation.edit.raw)) or generation.edit.operation))
    for n, line in enumerate(plan_lines(dict(generation.plan.raw) if generation.plan else None)[1:]):
        rows.append(("" if n else "plan", line.strip()))
    files = [("audio", generation.audio_file), ("midi", generation.midi_file)]
    files += [("stem", stem) for stem in generation.stems]
    files += [("sheet", sheet) for sheet in generation.sheet_music]
    for label, file in files:
        if file is not None:
            name = f"{file.name}: " if file.name and label in ("stem", "sheet") else ""
            rows.append((label, f"{name}{file.file_name} ({file.content_type}, {_size(file.file_size)})"))
            rows.append(("", file.url))
    return rows


@click.command()
@click.argument("generation_id", metavar="ID")
@base_url_option()
@api_key_option
@json_option
def status(generation_id: str, base_url: str | None, api_key: str | None, as_json: bool) -> None:
    """Show where generation ID stands (exit 1 if it failed).

    With --json, prints the server's answer as it is.
    """
    use_json(as_json)
    with exit_on_client_errors(base_url):
        with make_client(base_url, api_key) as client:
            generation = client.audio.retrieve(generation_id)
    if as_json:
        echo_json(dict(generation.raw))
    else:
        width = max(len(label) for label, _ in _status_lines(generation))
        for label, value in _status_lines(generation):
            click.echo(f"{label:<{width}}  {value}")
    if generation.is_terminal and not generation.is_completed:
        raise click.exceptions.Exit(EXIT_FAILED)


@click.command()
@click.argument("generation_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="File or folder to write the track to (default: the server's file name, here).")
@click.option("--midi", type=click.Path(dir_okay=False), default=None, help="Also write the MIDI file here.")
@click.option("--stems", type=click.Path(file_okay=False), default=None, help="Also write the stems into this folder.")
@click.option("--sheet-music", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Also write the engraved sheet music into this folder.")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait for an unfinished generation (with a progress bar) instead of failing.")
@click.option("--timeout", type=click.FloatRange(min=0), default=600.0, show_default=True,
              help="Seconds to wait (0: no limit).")
@base_url_option()
@api_key_option
@json_option
def download(generation_id: str, output: str | None, midi: str | None, stems: str | None, sheet_music: str | None,
             wait: bool, timeout: float, base_url: str | None, api_key: str | None, as_json: bool) -> None:
    """Download the track of generation ID (and its MIDI, stems and sheet music when asked); prints the paths
    written."""
    use_json(as_json)
    with exit_on_client_errors(base_url), make_client(base_url, api_key) as client:
        generation = client.audio.retrieve(generation_id)
        if not generation.is_terminal:
            if not wait:
                raise fail(f"generation {generation_id} is still {generation.status}; "
                           "try again later or pass --wait", EXIT_FAILED, "not_finished")
            with Progress(enabled=not as_json) as progress:
                progress.on_generation(generation)
                generation = client.audio.wait(generation, timeout=timeout or None, on_update=progress.on_generation)
        written = {"file": client.audio.download(generation, output), "midi": None, "stems": [], "sheet_music": []}
        if midi:
            if generation.midi_file is None:
                raise fail(f"generation {generation_id} has no MIDI file", EXIT_FAILED, "no_midi")
            written["midi"] = client.audio.download(generation, midi, file=generation.midi_file)
        if stems:
            if not generation.stems:
                raise fail(f"generation {generation_id} has no stems", EXIT_FAILED, "no_stems")
            Path(stems).mkdir(parents=True, exist_ok=True)
            written["stems"] = [client.audio.download(generation, stems, file=stem) for stem in generation.stems]
        if sheet_music:
            if not generation.sheet_music:
                raise fail(f"generation {generation_id} has no sheet music", EXIT_FAILED, "no_sheet_music")
            Path(sheet_music).mkdir(parents=True, exist_ok=True)
            written["sheet_music"] = [client.audio.download(generation, sheet_music, file=sheet)
                                      for sheet in generation.sheet_music]
    if as_json:
        echo_json({
            "id": generation.id,
            "status": generation.status,
            "file": str(written["file"]),
            "file_size": written["file"].stat().st_size,
            "midi": str(written["midi"]) if written["midi"] else None,
            "stems": [str(p) for p in written["stems"]],
            "sheet_music": [str(p) for p in written["sheet_music"]],
        })
        return
    for path in ([written["midi"]] if written["midi"] else []) + written["stems"] + written["sheet_music"]:
        click.echo(str(path))
    click.echo(str(written["file"]))


@click.command()
@base_url_option()
@api_key_option
@json_option
def models(base_url: str | None, api_key: str | None, as_json: bool) -> None:
    """List the models the server serves (aliases show what they stand for)."""
    use_json(as_json)
    with exit_on_client_errors(base_url), make_client(base_url, api_key) as client:
        served = client.models.list()
    if as_json:
        echo_json({"data": [dict(model.raw) for model in served]})
        return
    if not served:
        click.echo("the server serves no models", err=True)
        return
    width = max(len(model.id) for model in served)
    for model in served:
        notes = [f"engine {model.engine}"] if model.engine else []
        if model.alias_of:
            notes.append(f"alias of {model.alias_of}")
        if model.raw.get("available") is False:
            notes.append(f"UNAVAILABLE: {model.raw.get('unavailable_reason', 'no reason given')}")
        click.echo(f"{model.id:<{width}}  {', '.join(notes)}".rstrip())
