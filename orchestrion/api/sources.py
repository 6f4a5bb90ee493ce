"""What a request brings besides its words: the finished generation an edit starts from, or a MIDI file.

:func:`gather_sources` checks the material and writes what the worker will need into the job's parameters:
``source`` (the generation id and its length, for pricing) and ``inputs`` (storage keys of the files the engine
reads: the source's ``score.json`` and track, or the uploaded MIDI file). It returns the files the engine's
validation reads now, and the uploads still to be stored once the job id is known (:func:`store_uploads`).
Composer-only fields sent to another engine answer 400 naming the field.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from ..jobs.models import ApiKey, JobStatus
from ..storage.results import input_key
from .context import ApiContext
from .errors import BadRequest, Conflict, Gone, NotFound
from .schemas import GenerateAudioRequest

__all__ = ["COMPOSER_FIELDS", "EDITS", "Sources", "gather_sources", "store_uploads"]

#: Request fields only the composer reads.
COMPOSER_FIELDS = ("chords", "bars_per_chord", "time_signature", "instruments", "sections", "extend", "repaint",
                   "remix", "midi", "midi_mode", "sheet_music")
EDITS = ("extend", "repaint", "remix")
MAX_MIDI_BYTES = 1 << 20
_SCORE_FILE = "score.json"


@dataclass
class Sources:
    #: Files for the engine's validation now (name → bytes).
    files: dict[str, bytes] = field(default_factory=dict)
    #: Uploads to store under the new job's input folder: name → (file name, bytes, content type).
    uploads: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


async def gather_sources(ctx: ApiContext, key: ApiKey, payload: GenerateAudioRequest, engine: str,
                         params: dict[str, Any]) -> Sources:
    """Check the composer-only fields and the material ``payload`` brings, completing ``params`` in place."""
    if engine != "composer":
        for name in COMPOSER_FIELDS:
            if getattr(payload, name, None) is not None:
                raise BadRequest(f"{name}: only composer models take it; {payload.model!r} runs the {engine} engine")
    sources = Sources()
    if not isinstance(payload, GenerateAudioRequest):  # the Vertex route's instances take none of these
        return sources
    if payload.sections is not None:
        params["sections"] = [s.model_dump(exclude_none=True) for s in payload.sections]
    if payload.sheet_music is not None:
        params["sheet_music"] = payload.sheet_music
    edit = next((name for name in EDITS if getattr(payload, name) is not None), None)
    if edit is not None:
        await _edit_source(ctx, key, payload, edit, params, sources)
    if payload.midi is not None:
        try:
            data = base64.b64decode(payload.midi, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("midi: not base64 (the MIDI file's bytes in standard base64, with padding)") from None
        if len(data) > MAX_MIDI_BYTES:
            raise BadRequest(f"midi: the file is {len(data) / (1 << 20):.2f} MiB; at most 1 MiB")
        params["midi"] = {"file": "input.mid", "bytes": len(data)}
        params["midi_mode"] = payload.midi_mode or "render"
        sources.files["midi"] = data
        sources.uploads["midi"] = ("input.mid", data, "audio/midi")
    return sources


async def _edit_source(ctx: ApiContext, key: ApiKey, payload: GenerateAudioRequest, edit: str,
                       params: dict[str, Any], sources: Sources) -> None:
    body = getattr(payload, edit)
    generation_id = body.generation_id
    where = f"{edit}.generation_id"
    source = await ctx.read(ctx.store.get_job, generation_id)
    if source is None or source.key_id != key.id:
        raise NotFound(f"{where}: no generation {generation_id!r} for this API key")
    if source.status is not JobStatus.COMPLETED:
        raise Conflict(f"{where}: generation {generation_id!r} is {source.status.value}; only a completed "
                       "generation can be edited")
    score = next((f for f in source.files if f.sample == 0 and f.file_name == _SCORE_FILE), None)
    audio = next((f for f in source.files if f.sample == 0 and f.kind == "audio"), None)
    if score is None or audio is None:
        raise BadRequest(f"{where}: generation {generation_id!r} was not made by the composer (it has no score "
                         "to edit)")
    for ref in (score, audio):
        if not await asyncio.to_thread(ctx.storage.exists, ref.key):  # storage may be remote: off the loop
            raise Gone(f"{where}: the files of generation {generation_id!r} were deleted")
    length = float(source.info.get("duration") or source.audio_seconds or 0.0)
    params[edit] = body.model_dump(exclude_none=True)
    if edit == "repaint":
        if body.end <= body.start:
            raise BadRequest(f"repaint.end: must be after start ({body.start:g} s), got {body.end:g}")
        if length and body.start >= length:
            raise BadRequest(f"repaint.start: must be inside the source's {length:g} s, got {body.start:g}")
    params["source"] = {"generation_id": generation_id, "audio_seconds": length, "bpm": source.info.get("bpm")}
    params["inputs"] = {"score": score.key, **({"audio": audio.key} if edit != "remix" else {})}
    if payload.prompt is None:
        params["prompt"] = source.params.get("prompt", "")
        if payload.negative_prompt is None:
            params["negative_prompt"] = source.params.get("negative_prompt", "")


def store_uploads(ctx: ApiContext, job_id: str, params: dict[str, Any], sources: Sources) -> None:
    """Store the uploads under ``job_id``'s input folder and name their keys in ``params["inputs"]`` (call it in a
    thread: storage writes block)."""
    for name, (file_name, data, content_type) in sources.uploads.items():
        storage_key = input_key(job_id, file_name)
        ctx.storage.put(storage_key, data, content_type)
        params.setdefault("inputs", {})[name] = storage_key
