"""What a generation's results become on disk: which files, under which keys, encoded how.

A generation of one sample leaves ``<id>/output.<ext>`` (the track), ``<id>/stems/<name>.<ext>`` (audio extras,
encoded like the track) and its data extras under their own names (``<id>/score.mid``); sample k of a
several-sample generation (k from 2) leaves the same under ``<id>/sample-k/``. Keys derive from the generation id
alone, so a second attempt overwrites the first attempt's files rather than adding more.

The local ``orchestrion generate`` writes the same files (:func:`result_files`), minus the folder.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from .base import Storage
from .encode import FORMATS, encode_audio


# Storage knows an engine's results only by their shape (orchestrion.engines.GenerationResult and Extra), so it
# sits beside the engines, not above them.
class _Extra(Protocol):
    name: str
    data: bytes | None
    content_type: str
    audio: Any


class GenerationResult(Protocol):
    audio: Any
    sample_rate: int
    extras: Sequence[_Extra]

__all__ = [
    "DEFAULT_FORMAT", "EncodingFailed", "ResultFile", "StoredFile", "result_files", "result_key", "store_results",
]

#: The delivery format when a client names none.
DEFAULT_FORMAT = "wav"


class EncodingFailed(Exception):
    """Encoding a result into its delivery format failed (the cause is chained)."""


@dataclass(frozen=True)
class ResultFile:
    """One file a result becomes, not yet encoded: ``render()`` makes its bytes."""

    #: Path inside the sample's folder: ``"output.wav"``, ``"stems/strings.wav"``, ``"score.mid"``.
    name: str
    #: ``"audio"`` (the track), ``"stem"``, ``"midi"``, ``"sheet"`` (sheet music) or ``"extra"``.
    kind: str
    content_type: str
    sample: int
    render: Callable[[], bytes]


@dataclass(frozen=True)
class StoredFile:
    """A file written to storage (the fields of the job store's file reference)."""

    key: str
    file_name: str
    content_type: str
    file_size: int
    kind: str
    sample: int


def result_key(generation_id: str, sample: int, name: str) -> str:
    """The storage key of file ``name`` of sample ``sample`` (0-based) of generation ``generation_id``."""
    folder = generation_id if sample == 0 else f"{generation_id}/sample-{sample + 1}"
    return f"{folder}/{name}"


def input_prefix(generation_id: str) -> str:
    """The folder of the files a generation's request brought (a MIDI file): apart from its results, which a
    later attempt clears and writes again."""
    return f"inputs/{generation_id}"


def input_key(generation_id: str, name: str) -> str:
    """The storage key of input file ``name`` of generation ``generation_id``."""
    return f"{input_prefix(generation_id)}/{name}"


def _encoder(audio: Any, sample_rate: int, fmt: str) -> Callable[[], bytes]:
    def encode() -> bytes:
        try:
            return encode_audio(audio, sample_rate, fmt)
        except Exception as exc:
            raise EncodingFailed(f"encoding {fmt} failed: {exc}") from exc

    return encode


def result_files(results: Sequence["GenerationResult"], fmt: str | None = None) -> list[ResultFile]:
    """The files ``results`` (one per sample, in order) become in format ``fmt`` (a name of
    :data:`~orchestrion.storage.encode.FORMATS`; default WAV)."""
    spec = FORMATS[fmt or DEFAULT_FORMAT]
    files: list[ResultFile] = []
    for sample, result in enumerate(results):
        rate = result.sample_rate
        files.append(ResultFile(f"output.{spec.extension}", "audio", spec.content_type, sample,
                                _encoder(result.audio, rate, spec.name)))
        for extra in result.extras:
            if extra.audio is not None:
                files.append(ResultFile(f"{extra.name}.{spec.extension}", "stem", spec.content_type, sample,
                                        _encoder(extra.audio, rate, spec.name)))
            elif extra.data is not None:
                kind = ("midi" if extra.name.endswith(".mid") else "sheet" if extra.name.startswith("sheet/")
                        else "extra")
                files.append(ResultFile(extra.name, kind, extra.content_type, sample,
                                        lambda data=extra.data: data))
    return files


def store_results(storage: Storage, generation_id: str, results: Sequence["GenerationResult"],
                  fmt: str | None = None, *, fresh: bool = False) -> list[StoredFile]:
    """Encode and store every file of ``results`` under keys derived from ``generation_id``; return them in order.

    ``fresh`` first empties the generation's folder: an earlier attempt may have died mid-write, and one set of
    files must remain. Files are encoded and written on a few threads: encoding releases the GIL in numpy and
    libsndfile, and the filesystem folds concurrent fsyncs into one journal commit, so a track with a dozen stems
    is stored in the time of a few files. Raises :class:`EncodingFailed` when audio cannot be encoded, and the
    backend's ``OSError`` when it cannot be written.
    """
    if fresh:
        storage.delete_prefix(generation_id)

    def put(file: ResultFile) -> StoredFile:
        key = result_key(generation_id, file.sample, file.name)
        size = storage.put(key, file.render(), file.content_type)
        return StoredFile(key=key, file_name=file.name.rsplit("/", 1)[-1], content_type=file.content_type,
                          file_size=size, kind=file.kind, sample=file.sample)

    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="store") as pool:
        return list(pool.map(put, result_files(results, fmt)))
