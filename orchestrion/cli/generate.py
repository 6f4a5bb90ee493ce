"""`orchestrion generate PROMPT`: make one track, through a server when one is configured, in this process otherwise.

With ``--base-url`` (or ``ORCHESTRION_BASE_URL``) the prompt goes to that server and the finished files are
downloaded; without one (or with ``--local``) the engine behind the model runs right here, exactly as a worker
would run it, and the track is encoded the way the server encodes it. Either way the path of the track is the last
line on stdout (or, with ``--json``, one JSON object is).

Through a server, ``--stream`` writes the WAV track to its path as the audio renders (the server's
``/v2/generate/audio/stream``) instead of downloading it once finished, and ``--play`` pipes that stream into the
first player found on PATH (:data:`~._client_support.PLAYERS`) while writing it; a track in another format is then
downloaded as usual once finished. Without a player ``--play`` exits 2 at once, printing the generation's id: it
goes on on the server and ``orchestrion download ID`` fetches it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ._client_support import (
    PLAYERS,
    Player,
    Progress,
    api_key_option,
    base_url_option,
    echo_json,
    exit_on_client_errors,
    fail,
    find_player,
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
    sheet_music: list[Path] = field(default_factory=list)
    #: Composer models: the piece's sections (the protocol's ``plan`` object) and, for an edit, what was done.
    plan: dict[str, Any] | None = None
    edit: dict[str, Any] | None = None
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
            "sheet_music": [str(p) for p in self.sheet_music],
            **({"plan": self.plan} if self.plan is not None else {}),
            **({"edit": self.edit} if self.edit is not None else {}),
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
    given = {"duration": duration, "bpm": bpm, "key": key, "loop": loop}
    return {"output_format": fmt, **{name: value for name, value in given.items() if value is not None}}


def extras_asked(stems: str | None, sheet_music: str | None) -> dict[str, bool]:
    """The request fields that ask for the extras the flags will write (a server makes them only when asked)."""
    return {**({"stems": True} if stems else {}), **({"sheet_music": True} if sheet_music else {})}


def _instrument(spec: str) -> str | dict[str, str]:
    """``--instrument cello`` or ``--instrument cello:melody`` (a role, as the request's ``{"name", "role"}``)."""
    name, _, role = spec.partition(":")
    if not name.strip():
        raise click.BadParameter(f"{spec!r} names no instrument", param_hint="--instrument")
    return {"name": name.strip(), "role": role.strip()} if role.strip() else name.strip()


def _read_sections(path: str) -> list[dict[str, Any]]:
    """A section plan from a JSON file: a list of sections, or an object holding one under ``sections``."""
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(f"cannot read a JSON section plan from {path}: {exc}", param_hint="--sections")
    if isinstance(data, dict):
        data = data.get("sections")
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        raise click.BadParameter(
            f'{path} must hold a list of sections like [{{"name": "intro", "seconds": 8}}, ...]',
            param_hint="--sections",
        )
    return data


def composer_params(chords: str | None, bars_per_chord: int | None, time_signature: str | None,
                    instruments: tuple[str, ...], sections: str | None, midi_in: str | None, midi_mode: str | None,
                    no_sheet_music: bool) -> dict[str, Any]:
    """The composer's request fields the flags ask for (none of them when no flag is given).

    ``midi`` holds the file's bytes: the SDK base64-encodes them for a server; :func:`run_local` hands them to the
    engine as the request's file, as a worker does.
    """
    given = {"chords": chords, "bars_per_chord": bars_per_chord, "time_signature": time_signature}
    params: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if instruments:
        params["instruments"] = [_instrument(spec) for spec in instruments]
    if sections is not None:
        params["sections"] = _read_sections(sections)
    if midi_in is not None:
        params["midi"] = Path(midi_in).read_bytes()
    if midi_mode is not None:
        if midi_in is None:
            raise click.UsageError("--midi-mode needs --midi-in")
        params["midi_mode"] = midi_mode
    if no_sheet_music:
        params["sheet_music"] = False
    return params


def run_remote(client: Any, progress: Progress, *, prompt: str, negative_prompt: str | None, seed: int | None,
               model: str, params: dict[str, Any], output: str | None, midi: str | None, stems: str | None,
               sheet_music: str | None, timeout: float | None, stream: bool = False,
               play: bool = False) -> Outcome:
    player_command = find_player() if play else None
    created = client.audio.generate(prompt=prompt, model=model, negative_prompt=negative_prompt, seed=seed, **params)
    fmt = params["output_format"]
    track = None
    if play or stream:
        progress.on_generation(created)
        if play and player_command is None:
            names = ", ".join(player[0] for player in PLAYERS)
            raise fail(f"--play found no audio player on PATH (looked for {names}); generation {created.id} goes "
                       f"on: `orchestrion download {created.id}` fetches it", EXIT_USAGE, "no_player",
                       id=created.id)
        target = None
        if fmt == "wav":
            target = Path(output) if output else _default_output(seed, created.id, fmt)
        from ..client import APIError, ConflictError, OrchestrionError

        try:
            track = stream_track(client, progress, created, target, player_command)
        except ConflictError:
            pass  # it ended without audio: the wait below raises its error (exit 1), as without --stream
        except OrchestrionError as exc:
            if target is not None or isinstance(exc, APIError):
                raise
            # Only the playback broke: the track (another format) is downloaded below all the same.
            click.echo(f"playback ended early: {exc.message}", err=True)
    return finish_remote(client, progress, created, model=model, fmt=fmt, output=output, midi=midi, stems=stems,
                         sheet_music=sheet_music, timeout=timeout, track=track, announced=play or stream)


def stream_track(client: Any, progress: Progress, created: Any, target: Path | None,
                 player_command: list[str] | None) -> Path | None:
    """Write the generation's WAV stream to ``target`` as it arrives and feed it to a player; returns ``target``.

    The file grows chunk by chunk (flushed, so another program can read it meanwhile); its header's sizes are made
    exact at the end. If the stream fails the partial file is removed, and the player is stopped.
    """
    from ..client._wavstream import WavStreamCheck, patch_sizes

    player = Player(player_command) if player_command else None
    if player is not None:
        click.echo(f"playing generation {created.id} through {Path(player_command[0]).name}", err=True)
    check = WavStreamCheck(f"generation {created.id}")
    out = None
    try:
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = open(target, "wb")
        for chunk in client.audio.stream(created):
            check.feed(chunk)
            if out is not None:
                out.write(chunk)
                out.flush()
            if player is not None:
                player.write(chunk)
            if check.declared:
                progress.update("generating", min(100.0, 100.0 * check.data_bytes / check.declared))
        if out is not None:
            patch_sizes(out, check)
    except BaseException as exc:
        if out is not None:
            out.close()
            target.unlink(missing_ok=True)
        if player is not None:
            player.stop()
        if isinstance(exc, KeyboardInterrupt):
            raise fail(f"interrupted; generation {created.id} goes on: `orchestrion download {created.id}` "
                       "fetches it", EXIT_FAILED, "interrupted", id=created.id) from None
        raise
    if out is not None:
        out.close()
    if player is not None:
        status = player.finish()
        if status != 0:
            detail = player.error_output()
            click.echo(f"the player exited with status {status}{': ' + detail if detail else ''}", err=True)
    return target


def finish_remote(client: Any, progress: Progress, created: Any, *, model: str | None, fmt: str,
                  output: str | None, midi: str | None, stems: str | None, sheet_music: str | None,
                  timeout: float | None, track: Path | None = None, announced: bool = False) -> Outcome:
    """Wait for a generation the server has queued (showing progress), then download what was asked for.

    ``track`` is the track already written from the stream: it is kept (renamed to the default name, seed and
    all, unless ``output`` named it) rather than downloaded again. ``announced``: ``created`` was shown already
    (before a stream), and is stale now.
    """
    if not announced:
        progress.on_generation(created)
    generation = client.audio.wait(created, timeout=timeout, on_update=progress.on_generation)
    outcome = Outcome(status=generation.status, seed=generation.seed, model=generation.model or model or "",
                      id=generation.id, plan=dict(generation.plan.raw) if generation.plan else None,
                      edit=dict(generation.edit.raw) if generation.edit else None)
    if track is not None:
        # Streamed before the server said which seed it drew: named by id then, by seed now, as a download is.
        by_seed = generation.seed is not None and re.fullmatch(rf"orchestrion-{generation.seed}(-\d+)?", track.stem)
        named = output or by_seed or generation.seed is None
        outcome.file = track if named else track.replace(_default_output(generation.seed, generation.id, fmt))
    else:
        target = Path(output) if output else _default_output(generation.seed, generation.id, fmt)
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
    if sheet_music:
        if not generation.sheet_music:
            raise fail("the server returned no sheet music for this generation", EXIT_FAILED, "no_sheet_music")
        folder = Path(sheet_music)
        folder.mkdir(parents=True, exist_ok=True)
        outcome.sheet_music = [client.audio.download(generation, folder, file=sheet)
                               for sheet in generation.sheet_music]
    return outcome


def _clock(seconds: float) -> str:
    minutes, rest = divmod(max(seconds, 0.0), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


def plan_lines(plan: dict[str, Any] | None) -> list[str]:
    """The plan as a table: start (m:ss.s), section, bars, chords; empty when there is none."""
    from ..client import Plan

    sections = Plan.from_dict(plan).sections if isinstance(plan, dict) else ()
    if not sections:
        return []
    width = max(len(section.name) for section in sections)
    lines = ["plan:"]
    for section in sections:
        bars = f"{section.bars} bar{'s' if section.bars != 1 else ''}" if section.bars is not None else ""
        lines.append(f"  {_clock(section.start):>6}  {section.name:<{width}}  {bars:<7}  "
                     f"{' '.join(section.chords)}".rstrip())
    return lines


def edit_line(edit: dict[str, Any] | None) -> str | None:
    """What an extend, repaint or remix did, in one line."""
    if not isinstance(edit, dict) or not edit.get("operation"):
        return None
    operation, source = edit["operation"], edit.get("generation_id", "?")
    if operation == "extend" and edit.get("seam") is not None:
        fade = f", {edit['crossfade']:g} s crossfade" if isinstance(edit.get("crossfade"), (int, float)) else ""
        return f"extended {source} from {_clock(float(edit['seam']))}{fade}"
    if operation == "repaint" and edit.get("start") is not None and edit.get("end") is not None:
        return f"repainted {source} from {_clock(float(edit['start']))} to {_clock(float(edit['end']))}"
    return f"{operation} of {source}"


def report(outcome: Outcome, elapsed: float, mode: str, as_json: bool) -> None:
    """The final report: one JSON object, or the plan and details on stderr and the paths on stdout (track last)."""
    if as_json:
        echo_json(outcome.as_dict(elapsed, mode))
        return
    for line in plan_lines(outcome.plan) + [edit_line(outcome.edit) or ""]:
        if line:
            click.echo(line, err=True)
    details = [f"seed {outcome.seed}" if outcome.seed is not None else None, f"{elapsed:.1f}s"]
    click.echo(f"wrote {outcome.file} ({', '.join(d for d in details if d)})", err=True)
    for extra in ([outcome.midi] if outcome.midi else []) + outcome.stems + outcome.sheet_music:
        click.echo(str(extra))
    click.echo(str(outcome.file))


def run_local(progress: Progress, *, config_file: str | None, prompt: str, negative_prompt: str | None,
              seed: int | None, model_id: str, params: dict[str, Any], output: str | None, midi: str | None,
              stems: str | None, sheet_music: str | None = None) -> Outcome:
    """Run the model's engine in this process, as a worker would, and write what it made."""
    import dataclasses

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
    inputs: dict[str, bytes] = {}
    if isinstance(params.get("midi"), bytes):
        # As the API stores a job's MIDI file: described in the parameters, its bytes handed to the engine as a file.
        inputs["midi"] = params["midi"]
        params = {**params, "midi": {"file": "input.mid", "bytes": len(inputs["midi"])},
                  "midi_mode": params.get("midi_mode") or "render"}
    # The parameters as a server's job would store them, and the request a worker would make of them.
    request = request_for(model.id, {"prompt": prompt, "negative_prompt": negative_prompt or "", "seed": seed,
                                     **params})
    if inputs:
        request = dataclasses.replace(request, files=inputs)
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
    plan = result.info.get("plan") if isinstance(result.info, dict) else None
    outcome = Outcome(status="completed", seed=seed, model=model_id, info=_jsonable(result.info),
                      plan=plan if isinstance(plan, dict) else None)
    target = Path(output) if output else _default_output(seed, None, fmt)
    track = next(f for f in files if f.kind == "audio")
    outcome.file = _write(target, track.render())
    midi_file = next((f for f in files if f.kind == "midi"), None)
    if midi:
        if midi_file is None:
            raise fail(f"model {model_id!r} made no MIDI file", EXIT_FAILED)
        outcome.midi = _write(Path(midi), midi_file.render())
    for folder, kind, what, written in ((stems, "stem", "stems", outcome.stems),
                                        (sheet_music, "sheet", "sheet music", outcome.sheet_music)):
        if not folder:
            continue
        chosen = [f for f in files if f.kind == kind]
        if not chosen:
            raise fail(f"model {model_id!r} made no {what}", EXIT_FAILED)
        written.extend(_write(Path(folder) / f.name.rsplit("/", 1)[-1], f.render()) for f in chosen)
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


def delivery_options(command: Any) -> Any:
    """Where a finished generation's files go: shared by `generate` and the edit commands."""
    for option in reversed([
        click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Audio format (default: from -o's extension, else wav)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                     help="Where to write the track (default: ./orchestrion-<seed>.<format>)."),
        click.option("--midi", type=click.Path(dir_okay=False), default=None,
                     help="Also write the score as MIDI here."),
        click.option("--stems", type=click.Path(file_okay=False), default=None,
                     help="Also write one file per instrument here."),
        click.option("--sheet-music", "sheet_music", type=click.Path(file_okay=False), default=None, metavar="DIR",
                     help="Also write the engraved sheet music (MusicXML, SVG pages) into this folder."),
    ]):
        command = option(command)
    return command


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
@click.option("--chords", default=None, metavar="CHORDS",
              help='Composer: the progression, one chord per bar, e.g. "Am F C G" or "vi IV I V".')
@click.option("--bars-per-chord", type=click.IntRange(1, 8), default=None, metavar="N",
              help="Composer: bars each chord of --chords lasts (1-8).")
@click.option("--time-signature", default=None, metavar="N/D", help='Composer: the metre, e.g. "3/4" or "6/8".')
@click.option("--instrument", "instruments", multiple=True, metavar="NAME[:ROLE]",
              help="Composer: an instrument of the ensemble (repeat for each; exactly these play), e.g. piano or "
                   "cello:melody.")
@click.option("--sections", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
              help='Composer: a JSON section plan, e.g. [{"name": "intro", "seconds": 8}, '
                   '{"name": "chorus", "bars": 8}] (the duration follows from it).')
@click.option("--midi-in", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
              help="Composer: a Standard MIDI File to play (see --midi-mode).")
@click.option("--midi-mode", type=click.Choice(["render", "arrange"]), default=None,
              help="With --midi-in: play the file's notes (render, the default) or arrange its melody in the "
                   "prompt's style (arrange).")
@click.option("--no-sheet-music", is_flag=True,
              help="Composer: do not engrave the score (the default unless --sheet-music asks for it).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model id (see `orchestrion models`).")
@delivery_options
@click.option("--stream", "stream", is_flag=True,
              help="Through a server: write the WAV track as it renders instead of once finished.")
@click.option("--play", is_flag=True,
              help="Through a server: play the track as it renders (through ffplay, aplay, paplay or pw-play, the "
                   "first on PATH), writing it as --stream does; exit 2 if none is found.")
@click.option("--local", is_flag=True, help="Run the engine in this process even when a server is configured.")
@click.option("--timeout", type=click.FloatRange(min=0), default=600.0, show_default=True,
              help="Seconds to wait for a server to finish (0: no limit).")
@base_url_option("Generate through this server (default: $ORCHESTRION_BASE_URL; unset: in this process).")
@api_key_option
@config_option
@json_option
def generate(prompt: str, negative_prompt: str | None, seed: int | None, duration: float | None, bpm: float | None,
             musical_key: str | None, loop: bool | None, chords: str | None, bars_per_chord: int | None,
             time_signature: str | None, instruments: tuple[str, ...], sections: str | None, midi_in: str | None,
             midi_mode: str | None, no_sheet_music: bool, fmt: str | None, model: str, output: str | None,
             midi: str | None, stems: str | None, sheet_music: str | None, stream: bool, play: bool, local: bool,
             timeout: float, base_url: str | None, api_key: str | None, config_file: str | None, as_json: bool) -> None:
    """Turn PROMPT into a track and write it.

    Through the server at --base-url / $ORCHESTRION_BASE_URL when one is set, in this process otherwise.
    Prints the path written (or one JSON object with --json). Exit codes: 0 done, 1 generation failed,
    2 usage error, 3 server or authentication error. A composer's section plan is shown on stderr.

    \b
    Examples:
      orchestrion generate "lo-fi hip hop, rainy night, 80 BPM" -o rain.wav
      orchestrion generate "epic trailer with choir" --seed 7 --duration 60 --midi epic.mid
      orchestrion generate "a folk waltz" --chords "Am F C G" --time-signature 3/4 --instrument piano
      orchestrion generate "warm synthwave at night" --play
    """
    use_json(as_json)
    if not prompt.strip():
        raise click.BadParameter("must not be empty", param_hint="PROMPT")
    if no_sheet_music and sheet_music:
        raise click.UsageError("--sheet-music DIR and --no-sheet-music contradict each other")
    fmt = _output_format(fmt, output)
    params = _extra_params(duration, bpm, musical_key, loop, fmt)
    params.update(composer_params(chords, bars_per_chord, time_signature, instruments, sections, midi_in, midi_mode,
                                  no_sheet_music))
    params.update(extras_asked(stems, sheet_music))
    remote = bool(base_url) and not local
    if (stream or play) and not remote:
        raise click.UsageError(f"--{'play' if play else 'stream'} needs a server (--base-url or "
                               "$ORCHESTRION_BASE_URL, without --local)")
    if stream and fmt != "wav":
        raise click.UsageError(f"--stream writes WAV as it renders; --format is {fmt} (leave out --stream, or "
                               "use WAV)")
    with Progress(enabled=not as_json) as progress:
        if remote:
            with exit_on_client_errors(base_url):
                client = make_client(base_url, api_key)
                with client:
                    outcome = run_remote(client, progress, prompt=prompt, negative_prompt=negative_prompt, seed=seed,
                                         model=model, params=params, output=output, midi=midi, stems=stems,
                                         sheet_music=sheet_music, timeout=timeout or None, stream=stream,
                                         play=play)
        else:
            outcome = run_local(progress, config_file=config_file, prompt=prompt, negative_prompt=negative_prompt,
                                seed=seed, model_id=model, params=params, output=output, midi=midi, stems=stems,
                                sheet_music=sheet_music)
        elapsed = progress.elapsed
    report(outcome, elapsed, "server" if remote else "local", as_json)
