"""What the SDK hands back: generations, their files, served models.

Each type is built from the server's JSON with :meth:`from_dict`, keeps that JSON in ``raw`` (so extra fields a
newer server adds are never lost) and is otherwise read-only. They are data only and know nothing of the clients
that fetch them: to save a generation's files, pass it to ``client.audio.download(generation, path)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ._exceptions import OrchestrionError

__all__ = ["ACTIVE_STATUSES", "AudioFile", "Generation", "GenerationError", "Model"]

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
        """Every downloadable file: the track, then MIDI, then stems (any may be the ``file`` to download)."""
        found = [self.audio_file, self.midi_file, *self.stems]
        return [f for f in found if f is not None]


def _progress_percent(value: Any) -> float | None:
    """Progress as a percentage. Servers send 0-100 (the events stream) or a 0-1 fraction; both are accepted."""
    number = _opt_float(value)
    if number is None:
        return None
    if isinstance(value, float) and 0.0 <= number <= 1.0:
        number *= 100.0
    return max(0.0, min(100.0, number))
