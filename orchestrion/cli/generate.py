"""`orchestrion generate PROMPT`: make one track, through a server when one is configured, in this process otherwise.

With ``--base-url`` (or ``ORCHESTRION_BASE_URL``) the prompt goes to that server and the finished files are
downloaded; without one (or with ``--local``) the engine behind the model runs right here, exactly as a worker
would run it, and the track is encoded the way the server encodes it. Either way the path of the track is the last
line on stdout (or, with ``--json``, one JSON object is).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
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
from ._common import EXIT_FAILED, EXIT_SERVER, EXIT_USAGE, config_option, settings_from

__all__ = ["generate"]

#: The delivered formats, WAV first: the names of ``storage.encode.FORMATS`` (not imported here, to keep the CLI
#: light; a test holds the two equal).
FORMATS = ("wav", "flac", "mp3", "ogg")
SEED_MAX = 2**32 - 1
DEFAULT_MODEL = "google/lyria2"


@dataclass
class Outcome:
    """What a generation produced, for the final report."""

    status: str
    seed: int | None
    model: str
    file: Path | None = None
    id: str | None = None
    midi: Path | None = None
    stems: list[Path] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, elapsed: float, mode: str) -> dict[str, Any]:
        size = self.file.stat().st_size if self.file and self.file.exists() else None
        return {
            "id": self.id,
            "status": self.status,
            "model": self.model,
            "seed": self.seed,
            "file": str(self.file) if self.file else None,
            "file_size": size,
            "midi": str(self.midi) if self.midi else None,
            "stems": [str(p) for p in self.stems],
            "mode": mode,
            "elapsed_s": round(elapsed, 3),
            **({"info": self.info} if self.info else {}),
        }


def _output_format(fmt: str | None, output: str | None) -> str:
    """``--format`` wins; else the extension of ``-o``; else WAV. A contradiction is a usage error."""
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    if fmt and suffix in FORMATS and suffix != fmt:
        raise click.UsageError(f"-o {output} ends in .{suffix} but --format is {fmt}")
    return fmt or (suffix if suffix in FORMATS else "wav")


def _default_output(seed: int | None, generation_id: str | None, fmt: str) -> Path:
    """``orchestrion-<seed>.<fmt>`` in the current folder, never overwriting an earlier track."""
    stem = f"orchestrion-{seed}" if seed is not None else f"orchestrion-{(generation_id or 'track')[:8]}"
    candidate = Path(f"{stem}.{fmt}")
    n = 1
    while candidate.exists():
        candidate = Path(f"{stem}-{n}.{fmt}")
        n += 1
    return candidate


def _extra_params(duration: float | None, bpm: float | None, key: str | None, loop: bool | None,
                  fmt: str) -> dict[str, Any]:
    params: dict[str, Any] = {"output_format": fmt}
    if duration is not None:
        params["duration"] = duration
    if bpm is not None:
        params["bpm"] = bpm
    if key is not None:
        params["key"] = key
    if loop is not None:
        params["loop"] = loop
    return params


def run_remote(client: Any, progress: Progress, *, prompt: str, negative_prompt: str | None, seed: int | None,
               model: str, params: dict[str, Any], output: str | None, midi: str | None, stems: str | None,
               timeout: float | None) -> Outcome:
    generation = client.audio.generate_and_wait(
        prompt=prompt, model=model, negative_prompt=negative_prompt, seed=seed, timeout=timeout,
        on_update=progress.on_generation, **params,
    )
    outcome = Outcome(status=generation.status, seed=generation.seed, model=generation.model or model,
                      id=generation.id)
    target = Path(output) if output else _default_output(generation.seed, generation.id, params["output_format"])
    outcome.file = client.audio.download(generation, target)
    if midi:
        if generation.midi_file is None:
            raise fail("the server returned no MIDI file for this model", EXIT_FAILED)
        outcome.midi = client.audio.download(generation, midi, file=generation.midi_file)
    if stems:
        if not generation.stems:
            raise fail("the server returned no stems for this model", EXIT_FAILED)
        folder = Path(stems)
        folder.mkdir(parents=True, exist_ok=True)
        outcome.stems = [client.audio.download(generation, folder, file=stem) for stem in generation.stems]
    return outcome


def run_local(progress: Progress, *, config_file: str | None, prompt: str, negative_prompt: str | None,
              seed: int | None, model_id: str, params: dict[str, Any], output: str | None, midi: str | None,
              stems: str | None) -> Outcome:
    """Run the model's engine in this process, as a worker would, and write what it made."""
    from ..engines import EngineError, EngineUnavailable, InvalidRequest, create_engine, request_for
    from ..storage.results import result_files

    settings = settings_from(config_file)
    model = settings.resolve_model(model_id)
    if model is None:
        raise click.BadParameter(
            f"unknown model {model_id!r}; served models: {', '.join(settings.served_ids())}", param_hint="--model"
        )
    seed = secrets.randbelow(SEED_MAX + 1) if seed is None else seed
    fmt = params["output_format"]
    # The parameters as a server's job would store them, and the request a worker would make of them.
    request = request_for(model.id, {"prompt": prompt, "negative_prompt": negative_prompt or "", "seed": seed,
                                     **params})
    try:
        engine = create_engine(model.engine, model.options)
        engine.validate(request)
        progress.update("loading engine")
        engine.load()
        progress.update("generating", 0.0)
        (result,) = engine.generate([request], lambda _index, fraction: progress.update("generating", fraction * 100))
    except InvalidRequest as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    except EngineUnavailable as exc:
        raise fail(f"model {model_id!r} cannot run here: {exc}", EXIT_SERVER) from None
    except EngineError as exc:
        raise fail(f"generation failed: {exc}", EXIT_FAILED, exc.name) from None
    except Exception as exc:  # engine code: whatever it raises is reported, never a traceback
        raise fail(f"generation failed: {type(exc).__name__}: {exc}", EXIT_FAILED) from None
    if isinstance(result, BaseException):
        progress.update("error")
        name = getattr(result, "name", "engine_error")
        raise fail(f"generation failed: {type(result).__name__}: {result}", EXIT_FAILED, name)

    # The files a server would store for this result, encoded the same way; written where the user asked.
    files = result_files([result], fmt)
    outcome = Outcome(status="completed", seed=seed, model=model_id, info=_jsonable(result.info))
    target = Path(output) if output else _default_output(seed, None, fmt)
    track = next(f for f in files if f.kind == "audio")
    outcome.file = _write(target, track.render())
    midi_file = next((f for f in files if f.kind == "midi"), None)
    if midi:
        if midi_file is None:
            raise fail(f"model {model_id!r} made no MIDI file", EXIT_FAILED)
        outcome.midi = _write(Path(midi), midi_file.render())
    if stems:
        stem_files = [f for f in files if f.kind == "stem"]
        if not stem_files:
            raise fail(f"model {model_id!r} made no stems", EXIT_FAILED)
        for stem in stem_files:
            outcome.stems.append(_write(Path(stems) / stem.name.rsplit("/", 1)[-1], stem.render()))
    progress.update("completed", 100.0)
    engine.close()
    return outcome


def _write(path: Path, data: bytes) -> Path:
    """Write whole or not at all, like the SDK's downloads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    partial.replace(path)
    return path


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in info.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[key] = value
    return out


@click.command()
@click.argument("prompt")
@click.option("--negative-prompt", metavar="TEXT", default=None, help="What to leave out.")
@click.option("--seed", type=click.IntRange(0, SEED_MAX), default=None,
              help="Same seed and parameters give the same track (default: random, printed).")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Length in seconds (default 30).")
@click.option("--bpm", type=click.FloatRange(min=0, min_open=True), default=None, help="Tempo in beats per minute.")
@click.option("--key", "musical_key", default=None, metavar="KEY", help='Musical key, e.g. "D minor".')
@click.option("--loop/--no-loop", default=None, help="Make the end flow seamlessly back into the start.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Audio format (default: from -o's extension, else wav).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model id (see `orchestrion models`).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write the track (default: ./orchestrion-<seed>.<format>).")
@click.option("--midi", type=click.Path(dir_okay=False), default=None, help="Also write the score as MIDI here.")
@click.option("--stems", type=click.Path(file_okay=False), default=None,
              help="Also write one file per instrument here.")
@click.option("--local", is_flag=True, help="Run the engine in this process even when a server is configured.")
@click.option("--timeout", type=click.FloatRange(min=0), default=600.0, show_default=True,
              help="Seconds to wait for a server to finish (0: no limit).")
@base_url_option("Generate through this server (default: $ORCHESTRION_BASE_URL; unset: in this process).")
@api_key_option
@config_option
@json_option
def generate(prompt: str, negative_prompt: str | None, seed: int | None, duration: float | None, bpm: float | None,
             musical_key: str | None, loop: bool | None, fmt: str | None, model: str, output: str | None,
             midi: str | None, stems: str | None, local: bool, timeout: float, base_url: str | None,
             api_key: str | None, config_file: str | None, as_json: bool) -> None:
    """Turn PROMPT into a track and write it.

    Through the server at --base-url / $ORCHESTRION_BASE_URL when one is set, in this process otherwise.
    Prints the path written (or one JSON object with --json). Exit codes: 0 done, 1 generation failed,
    2 usage error, 3 server or authentication error.

    \b
    Examples:
      orchestrion generate "lo-fi hip hop, rainy night, 80 BPM" -o rain.wav
      orchestrion generate "epic trailer with choir" --seed 7 --duration 60 --midi epic.mid
    """
    use_json(as_json)
    if not prompt.strip():
        raise click.BadParameter("must not be empty", param_hint="PROMPT")
    fmt = _output_format(fmt, output)
    params = _extra_params(duration, bpm, musical_key, loop, fmt)
    remote = bool(base_url) and not local
    with Progress(enabled=not as_json) as progress:
        if remote:
            with exit_on_client_errors(base_url):
                client = make_client(base_url, api_key)
                with client:
                    outcome = run_remote(client, progress, prompt=prompt, negative_prompt=negative_prompt, seed=seed,
                                         model=model, params=params, output=output, midi=midi, stems=stems,
                                         timeout=timeout or None)
        else:
            outcome = run_local(progress, config_file=config_file, prompt=prompt, negative_prompt=negative_prompt,
                                seed=seed, model_id=model, params=params, output=output, midi=midi, stems=stems)
        elapsed = progress.elapsed
    if as_json:
        echo_json(outcome.as_dict(elapsed, "server" if remote else "local"))
        return
    details = [f"seed {outcome.seed}" if outcome.seed is not None else None, f"{elapsed:.1f}s"]
    click.echo(f"wrote {outcome.file} ({', '.join(d for d in details if d)})", err=True)
    for extra in ([outcome.midi] if outcome.midi else []) + outcome.stems:
        click.echo(str(extra))
    click.echo(str(outcome.file))
