"""A track's pieces in storage join to its finished WAV file, byte for byte."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from orchestrion.storage.encode import encode_audio, pcm16, wav_header
from orchestrion.storage.local import LocalStorage
from orchestrion.workers.streaming import TrackStream, stream_key


def _track(frames: int) -> np.ndarray:
    return (np.random.default_rng(3).standard_normal((frames, 2)) * 0.2).astype(np.float32)


def test_pieces_encoded_apart_are_the_file_encoded_at_once():
    audio = _track(1_300_000)  # past one turn of the dither table
    parts, start = [wav_header(audio.shape[0])], 0
    for size in (1, 4_800, 523_287, 9_600, 700_000):
        parts.append(pcm16(audio[start : start + size], start).tobytes())
        start += size
    parts.append(pcm16(audio[start:], start).tobytes())
    assert b"".join(parts) == encode_audio(audio, 48_000)


def test_a_track_stream_writes_the_wav_in_order(tmp_path):
    storage = LocalStorage(tmp_path)
    audio = _track(48_000 * 4 + 123)
    with ThreadPoolExecutor(max_workers=1) as writer:
        stream = TrackStream(storage, "job-1", 0, writer)
        for start in range(0, audio.shape[0], 4_800):
            stream.add(start, audio[start : start + 4_800], audio.shape[0])
    pieces = []
    index = 0
    while storage.exists(stream_key("job-1", 0, index)):
        with storage.open(stream_key("job-1", 0, index)) as handle:
            pieces.append(handle.read())
        index += 1
    assert len(pieces[0]) == 44 + 9_600 * 4  # a fifth of a second first, so a listener starts at once
    assert b"".join(pieces) == encode_audio(audio, 48_000)


def test_a_gap_stops_the_stream_rather_than_corrupting_it(tmp_path):
    storage = LocalStorage(tmp_path)
    audio = _track(48_000)
    with ThreadPoolExecutor(max_workers=1) as writer:
        stream = TrackStream(storage, "job-2", 0, writer)
        stream.add(0, audio[:9_600], audio.shape[0])
        stream.add(20_000, audio[20_000:30_000], audio.shape[0])
        stream.add(30_000, audio[30_000:], audio.shape[0])
    assert storage.exists(stream_key("job-2", 0, 0)) and not storage.exists(stream_key("job-2", 0, 1))
