"""Following a WAV file as it streams in, free of I/O so both twins share it.

A streamed track starts with a RIFF header whose ``data`` chunk size is the real one when the server knows the
length, or a placeholder (0 or 0xFFFFFFFF) when it does not. :class:`WavStreamCheck` reads that header from the first
bytes, counts what follows, and says whether the stream ended short of what it announced; :func:`patch_sizes` writes
the true sizes into a streamed file once it is whole, so a file written from a placeholder header is a valid WAV.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from ._exceptions import OrchestrionError

__all__ = ["UNKNOWN_SIZES", "WAV_TYPES", "WavStreamCheck", "patch_sizes"]

#: Content types of a WAV answer (a body of another type is handed over unchecked).
WAV_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"})
#: ``data`` sizes that mean "not known when the header was sent".
UNKNOWN_SIZES = frozenset({0, 0xFFFFFFFF})
#: A header longer than this (many chunks before ``data``) is not followed: only the byte count is kept.
_MAX_HEADER = 64 * 1024


class WavStreamCheck:
    """The header and byte count of one streamed WAV: where its samples start and how many bytes it announced."""

    def __init__(self, what: str, *, strict: bool = True) -> None:
        self.what = what
        #: Raise on a body that is not a WAV file; else just stop following it (:func:`patch_sizes` leaves it be).
        self.strict = strict
        self.received = 0
        #: Offset of the first sample byte once the ``data`` chunk header has been seen.
        self.data_offset: int | None = None
        #: Bytes of samples the header announced; ``None`` while unknown (a placeholder, or no header seen yet).
        self.declared: int | None = None
        self._head = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.data_offset is None and len(self._head) < _MAX_HEADER:
            self._head += chunk
            self._parse()

    def _parse(self) -> None:
        head = bytes(self._head)
        if len(head) >= 12 and (head[:4] != b"RIFF" or head[8:12] != b"WAVE"):
            if not self.strict:
                self._head = bytearray(_MAX_HEADER)  # never looked at again
                return
            raise OrchestrionError(f"the stream of {self.what} is not a WAV file (it starts {head[:12]!r})")
        offset = 12
        while offset + 8 <= len(head):
            chunk_id, size = head[offset:offset + 4], struct.unpack_from("<I", head, offset + 4)[0]
            if chunk_id == b"data":
                self.data_offset = offset + 8
                self.declared = None if size in UNKNOWN_SIZES else size
                self._head.clear()
                return
            offset += 8 + size + (size & 1)

    def check_complete(self) -> None:
        """Raise when the stream ended before its header or before the samples it announced."""
        if self.data_offset is None:
            raise OrchestrionError(f"the stream of {self.what} ended after {self.received} bytes, before any audio")
        if self.declared is not None and self.received < self.data_offset + self.declared:
            raise OrchestrionError(
                f"the stream of {self.what} was cut short: {self.received - self.data_offset} of "
                f"{self.declared} bytes of audio"
            )

    @property
    def data_bytes(self) -> int:
        return max(0, self.received - (self.data_offset or 0))


def patch_sizes(out: BinaryIO, check: WavStreamCheck) -> None:
    """Write the RIFF and ``data`` sizes of a whole streamed file into its header (a no-op when they are right)."""
    if check.data_offset is None or check.declared is not None:
        return
    data = check.data_bytes
    position = out.tell()
    out.seek(4)
    out.write(struct.pack("<I", min(check.received - 8, 0xFFFFFFFF)))
    out.seek(check.data_offset - 4)
    out.write(struct.pack("<I", min(data, 0xFFFFFFFF)))
    out.seek(position)
