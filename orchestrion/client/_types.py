"""What the SDK hands back: generations, their files, served models.

Each type is built from the server's JSON with :meth:`from_dict`, keeps that JSON in ``raw`` (so extra fields a
newer server adds are never lost) and is otherwise read-only. They are data only and know nothing of the clients
that fetch them: to save a generation's files, pass it to ``client.audio.download(generation, path)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ._exceptions import OrchestrionError

__all__ = [
    "ACTIVE_STATUSES",
    "AudioFile",
    "Edit",
    "Generation",
    "GenerationError",
    "Model",
    "Plan",
    "PlanSection",
    "SheetMusicFile",
]

#: Statuses that mean "keep polling". ``waiting`` is the hosted API's word for queued.
ACTIVE_STATUSES = frozenset({"queued", "generating", "waiting"})


def _opt_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _opt_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


@dataclass(frozen=True)
class AudioFile:
    """A downloadable file of a generation: the track, its MIDI or a stem. ``url`` needs no API key."""

    url: str
    content_type: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    #: For stems: the instrument or part name, when the server says.
    name: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "AudioFile":
        if not isinstance(data, Mapping) or not isinstance(data.get("url"), str):
            raise OrchestrionError(f"malformed file entry in the server's answer: {data!r}")
        return cls(
            url=data["url"],
            content_type=data.get("content_type"),
            file_name=data.get("file_name"),
            file_size=_opt_int(data.get("file_size")),
            name=data.get("name") or data.get("stem"),
            raw=dict(data),
        )


@dataclass(frozen=True)
class SheetMusicFile(AudioFile):
    """A page or file of engraved sheet music: ``name`` is ``lead_sheet`` or ``score``, ``format`` ``musicxml`` or
    ``svg`` (one file per page, ``page`` counting from 1). Download it like any file:
    ``client.audio.download(generation, folder, file=sheet)``."""

    format: str | None = None
    page: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SheetMusicFile":
        base = AudioFile.from_dict(data)
        fmt = data.get("format")
        return cls(
            url=base.url,
            content_type=base.content_type,
            file_name=base.file_name,
            file_size=base.file_size,
            name=base.name,
            raw=base.raw,
            format=fmt if isinstance(fmt, str) else None,
            page=_opt_int(data.get("page")),
        )


@dataclass(frozen=True)
class PlanSection:
    """One section of a composed piece: where it starts (seconds), how many bars it lasts, the chords it plays."""

    name: str
    start: float
    bars: int | None = None
    chords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """The form of a composed piece, section by section: what a repaint's span or a new section plan builds on."""

    sections: tuple[PlanSection, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Plan":
        sections = data.get("sections") if isinstance(data, Mapping) else None
        parsed = []
        for item in sections if isinstance(sections, list) else ():
            if not isinstance(item, Mapping):
                continue
            chords = item.get("chords")
            parsed.append(PlanSection(
                name=str(item.get("name", "")),
                start=_opt_float(item.get("start")) or 0.0,
                bars=_opt_int(item.get("bars")),
                chords=tuple(str(c) for c in chords) if isinstance(chords, list) else (),
            ))
        return cls(sections=tuple(parsed), raw=dict(data) if isinstance(data, Mapping) else {})


@dataclass(frozen=True)
class Edit:
    """What an extend, repaint or remix did, in seconds: ``seam`` and ``crossfade`` for an extend, the widened
    ``start`` and ``end`` for a repaint; fields an operation does not report are ``None``."""

    operation: str
    generation_id: str | None = None
    seam: float | None = None
    crossfade: float | None = None
    start: float | None = None
    end: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Edit":
        source = data.get("generation_id")
        return cls(
            operation=str(data.get("operation", "")),
            generation_id=source if isinstance(source, str) else None,
            seam=_opt_float(data.get("seam")),
            crossfade=_opt_float(data.get("crossfade")),
            start=_opt_float(data.get("start")),
            end=_opt_float(data.get("end")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class GenerationError:
    """Why a generation ended in ``error``: the protocol's ``{"name", "message"}``."""

    name: str
    message: str


@dataclass(frozen=True)
class Model:
    """A model id the server serves, and what stands behind it."""

    id: str
    engine: str | None = None
    #: The served model this id is an alias of, when it is one.
    alias_of: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Model":
        alias = data.get("alias_of") or data.get("alias_for") or data.get("target")
        return cls(id=str(data["id"]), engine=data.get("engine"), alias_of=alias, raw=dict(data))


@dataclass(frozen=True)
class Generation:
    """One generation as the server last reported it.

    ``status`` is ``queued``, ``generating``, ``completed``, ``error`` or ``canceled`` (other servers may add their
    own words; anything outside :data:`ACTIVE_STATUSES` is final). Fields beyond the protocol's (``seed``,
    ``progress`` ...) are ``None`` when the server does not send them.
    """

    id: str
    status: str
    audio_file: AudioFile | None = None
    error: GenerationError | None = None
    seed: int | None = None
    model: str | None = None
    #: Percent done, 0-100, while generating.
    progress: float | None = None
    #: Jobs ahead of this one while queued (0: next).
    queue_position: int | None = None
    credits_used: float | None = None
    created_at: Any = None
    completed_at: Any = None
    midi_file: AudioFile | None = None
    stems: tuple[AudioFile, ...] = ()
    #: Composer models: the piece's sections (:class:`Plan`), its engraved sheet music, and for an extend, repaint
    #: or remix what was done (:class:`Edit`).
    plan: Plan | None = None
    sheet_music: tuple[SheetMusicFile, ...] = ()
    edit: Edit | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Generation":
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str) or "status" not in data:
            raise OrchestrionError(f"the server's answer is not a generation: {str(data)[:200]}")
        audio = data.get("audio_file")
        err = data.get("error")
        meta = data.get("meta")
        usage = meta.get("usage") if isinstance(meta, Mapping) else None
        midi = data.get("midi_file")
        if isinstance(midi, list):  # a list of MIDI files: the first is the score
            midi = midi[0] if midi else None
        stems = data.get("stems") or ()
        plan = data.get("plan")
        sheets = data.get("sheet_music")
        edit = data.get("edit")
        return cls(
            id=data["id"],
            status=str(data["status"]),
            audio_file=AudioFile.from_dict(audio) if audio else None,
            error=(
                GenerationError(name=str(err.get("name", "error")), message=str(err.get("message", "")))
                if isinstance(err, Mapping)
                else (GenerationError(name="error", message=str(err)) if err else None)
            ),
            seed=_opt_int(data.get("seed")),
            model=data.get("model"),
            progress=_progress_percent(data.get("progress")),
            queue_position=_opt_int(data.get("queue_position")),
            credits_used=_opt_float(usage.get("credits_used")) if isinstance(usage, Mapping) else None,
            created_at=data.get("created_at"),
            completed_at=data.get("completed_at"),
            midi_file=AudioFile.from_dict(midi) if midi else None,
            stems=tuple(AudioFile.from_dict(s) for s in stems),
            plan=Plan.from_dict(plan) if isinstance(plan, Mapping) else None,
            sheet_music=tuple(SheetMusicFile.from_dict(s) for s in sheets) if isinstance(sheets, list) else (),
            edit=Edit.from_dict(edit) if isinstance(edit, Mapping) else None,
            raw=dict(data),
        )

    @property
    def is_terminal(self) -> bool:
        """True once the status will not change any more."""
        return self.status not in ACTIVE_STATUSES

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"

    @property
    def is_canceled(self) -> bool:
        """True once canceled (:meth:`Audio.cancel`): final, without audio, its credits refunded."""
        return self.status == "canceled"

    def files(self) -> list[AudioFile]:
        """Every downloadable file: the track, its MIDI, stems, sheet music (any may be the ``file`` to download)."""
        found = [self.audio_file, self.midi_file, *self.stems, *self.sheet_music]
        return [f for f in found if f is not None]


def _progress_percent(value: Any) -> float | None:
    """Progress as a percentage. Servers send 0-100 (the events stream) or a 0-1 fraction; both are accepted."""
    number = _opt_float(value)
    if number is None:
        return None
    if isinstance(value, float) and 0.0 <= number <= 1.0:
        number *= 100.0
    return max(0.0, min(100.0, number))
