"""A track's pieces written to storage as the engine makes them, for `GET /v2/generate/audio/stream` to read.

The pieces are the track's WAV file cut in order: ``<generation>/stream/000000`` starts with the 44-byte header
(the track's length is known before its first frame), then the 16-bit samples follow, dithered by their place in
the track (:func:`orchestrion.storage.encode.pcm16`), so the pieces joined are the finished ``output.wav``, byte for
byte. Small pieces first (the first fifth of a second is readable as soon as it is made), larger ones after (fewer
objects in an S3 bucket). They are transient: written without fsync, and deleted once the finished file is stored
(a file in another format than WAV cannot stand in for them: they stay a while longer, for a listener still
reading them, :data:`.worker.PIECES_KEPT_SECONDS`).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from typing import Any

import numpy as np

from ..logs import log_event
from ..storage import Storage
from ..storage.encode import pcm16, wav_header
from ..storage.results import result_key

__all__ = ["TrackStream", "stream_key", "stream_prefix"]

log = logging.getLogger("orchestrion.worker")

#: Frames per piece: the first few small, so a listener starts at once; then a second at a time.
_FIRST_FRAMES, _FIRST_PIECES, _LATER_FRAMES = 9_600, 5, 48_000


def stream_prefix(generation_id: str, sample: int) -> str:
    return result_key(generation_id, sample, "stream")


def stream_key(generation_id: str, sample: int, index: int) -> str:
    """The storage key of piece ``index`` (0-based) of sample ``sample``'s stream."""
    return f"{stream_prefix(generation_id, sample)}/{index:06d}"


class TrackStream:
    """One sample's stream: :meth:`add` each piece (float32 frames) in order; pieces are written on ``writer`` (one
    thread, so they land in order) and never hold up the caller."""

    def __init__(self, storage: Storage, generation_id: str, sample: int, writer: Executor) -> None:
        self.storage, self.generation_id, self.sample, self.writer = storage, generation_id, sample, writer
        self.pending: list[bytes] = []
        self.pending_frames = 0
        self.next_frame = 0
        self.pieces = 0
        self.failed = False
        self.total = 0
        self.samples: list[np.ndarray] = []  # the 16-bit samples sent, the finished file's own

    def add(self, start: int, audio: np.ndarray, total: int) -> None:
        if self.failed or start != self.next_frame:  # a gap (a retry's engine starts again): nothing more is sent
            self.failed = True
            return
        if start == 0:
            self.pending.append(wav_header(total))
        self.total = total
        samples = pcm16(audio, start)
        self.samples.append(samples)
        self.pending.append(samples.tobytes())
        self.pending_frames += audio.shape[0]
        self.next_frame = start + audio.shape[0]
        wanted = _FIRST_FRAMES if self.pieces < _FIRST_PIECES else _LATER_FRAMES
        if self.pending_frames >= wanted or self.next_frame >= total:
            data, key = b"".join(self.pending), stream_key(self.generation_id, self.sample, self.pieces)
            self.pending, self.pending_frames = [], 0
            self.pieces += 1
            self.writer.submit(self._put, key, data)

    def track(self) -> np.ndarray | None:
        """The whole track as the 16-bit samples sent (what its WAV file holds), once every piece came; else None.
        The worker stores these rather than encoding the track again."""
        if self.failed or self.next_frame != self.total or not self.samples:
            return None
        return np.concatenate(self.samples)

    def _put(self, key: str, data: bytes) -> Any:
        try:
            return self.storage.put_transient(key, data, "audio/wav")
        except Exception as exc:  # a stream that stops early is a listener's loss, not the job's
            self.failed = True
            log_event(log, "stream piece not stored", logging.WARNING, key=key, reason=str(exc))
            return None
