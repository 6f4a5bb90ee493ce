"""Encoding engine audio into the delivered file formats.

Every track leaves as 48 kHz stereo (the hosted API's format); WAV is 16-bit PCM with TPDF dither drawn from a
fixed-seed generator, so the same audio always encodes to the same bytes; samples already on the 16-bit grid are
written as they are, so a 16-bit track decoded and encoded again is the same file, sample for sample.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from math import gcd

import numpy as np

__all__ = ["FORMATS", "OUTPUT_CHANNELS", "OUTPUT_RATE", "AudioFormat", "conform", "encode_audio", "pcm16", "wav_header"]

OUTPUT_RATE = 48_000
OUTPUT_CHANNELS = 2


@dataclass(frozen=True)
class AudioFormat:
    name: str
    extension: str
    content_type: str
    container: str
    subtype: str | None


FORMATS: dict[str, AudioFormat] = {
    "wav": AudioFormat("wav", "wav", "audio/wav", "WAV", "PCM_16"),
    "flac": AudioFormat("flac", "flac", "audio/flac", "FLAC", "PCM_16"),
    "mp3": AudioFormat("mp3", "mp3", "audio/mpeg", "MP3", "MPEG_LAYER_III"),
    "ogg": AudioFormat("ogg", "ogg", "audio/ogg", "OGG", "VORBIS"),
}


def conform(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Return ``audio`` as float32 ``(frames, 2)`` at 48 kHz: resampled, mono duplicated, extra channels folded.

    ``audio`` is float, or int16 full scale (32768 is 1.0): engines may return long extras such as stems as
    16-bit to halve their memory.
    """
    if isinstance(audio, np.ndarray) and audio.dtype == np.int16:
        audio = np.multiply(audio, np.float32(1.0 / 32768.0), dtype=np.float32)
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2:
        raise ValueError(f"audio must be (frames, channels), got shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError("audio contains NaN or infinite samples")
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    elif data.shape[1] > 2:
        # Fold surround down: odd channels left, even right, at equal power.
        left = data[:, 0::2].mean(axis=1)
        right = data[:, 1::2].mean(axis=1)
        data = np.stack([left, right], axis=1)
    if sample_rate != OUTPUT_RATE:
        from scipy.signal import resample_poly

        g = gcd(int(sample_rate), OUTPUT_RATE)
        data = resample_poly(data, OUTPUT_RATE // g, int(sample_rate) // g, axis=0).astype(np.float32)
    return np.ascontiguousarray(data)


_DITHER_LENGTH = 1 << 20


@functools.cache
def _dither_table() -> np.ndarray:
    """TPDF dither (±1 LSB) from a fixed seed, made once and tiled: drawing fresh noise for every file cost more
    than the rest of the encoding, and a fixed table keeps encodings byte-identical."""
    rng = np.random.default_rng(0x5EED)
    table = rng.random(_DITHER_LENGTH, dtype=np.float32) - rng.random(_DITHER_LENGTH, dtype=np.float32)
    return table / np.float32(32768.0)


def _to_pcm16(data: np.ndarray) -> np.ndarray:
    return pcm16(data, 0)


def pcm16(data: np.ndarray, first_frame: int) -> np.ndarray:
    """Frames ``first_frame:first_frame+len(data)`` of a track as the 16-bit samples its WAV file holds: the dither
    table is indexed by the sample's place in the whole track, so a track encoded piece by piece as it renders (a
    stream) is the same, sample for sample, as the track encoded at once."""
    flat = np.ascontiguousarray(data, dtype=np.float32).reshape(-1)
    table = _dither_table()
    out = np.empty(flat.shape, dtype=np.int16)
    start = (first_frame * data.shape[1]) % _DITHER_LENGTH
    done = 0
    while done < flat.size:
        n = min(flat.size - done, _DITHER_LENGTH - start)
        chunk = flat[done:done + n]
        plain = chunk * np.float32(32768.0)
        # Samples already on the 16-bit grid (digital silence, or an edit's stretch of a 16-bit source) are written
        # as they are: dither would only change them.
        scaled = np.where(plain == np.rint(plain), plain, (chunk + table[start:start + n]) * np.float32(32768.0))
        np.clip(scaled, -32768.0, 32767.0, out=scaled)
        out[done:done + n] = np.rint(scaled)
        done += n
        start = 0
    return out.reshape(data.shape)


def wav_header(frames: int, sample_rate: int = OUTPUT_RATE, channels: int = OUTPUT_CHANNELS) -> bytes:
    """The 44-byte header of a 16-bit PCM WAV file of ``frames`` frames, as :func:`encode_audio` writes it: a
    stream sends it first, then the samples as they come."""
    data = frames * channels * 2
    return b"".join([b"RIFF", (36 + data).to_bytes(4, "little"), b"WAVEfmt ", (16).to_bytes(4, "little"),
                     (1).to_bytes(2, "little"), channels.to_bytes(2, "little"), sample_rate.to_bytes(4, "little"),
                     (sample_rate * channels * 2).to_bytes(4, "little"), (channels * 2).to_bytes(2, "little"),
                     (16).to_bytes(2, "little"), b"data", data.to_bytes(4, "little")])


def encode_audio(audio: np.ndarray, sample_rate: int, fmt: str = "wav") -> bytes:
    """Encode ``audio`` (float32, frames × channels, at ``sample_rate``) as a 48 kHz stereo file of ``fmt``."""
    try:
        spec = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    buffer = io.BytesIO()
    import soundfile

    if (spec.subtype == "PCM_16" and isinstance(audio, np.ndarray) and audio.dtype == np.int16
            and sample_rate == OUTPUT_RATE and audio.ndim == 2 and audio.shape[1] == OUTPUT_CHANNELS):
        # already 16-bit at the output format: written as it is (dither would only add noise)
        soundfile.write(buffer, np.ascontiguousarray(audio), OUTPUT_RATE, format=spec.container, subtype="PCM_16")
        return buffer.getvalue()
    data = conform(audio, sample_rate)
    if spec.subtype == "PCM_16":
        soundfile.write(buffer, _to_pcm16(data), OUTPUT_RATE, format=spec.container, subtype="PCM_16")
    else:
        soundfile.write(buffer, np.clip(data, -1.0, 1.0), OUTPUT_RATE, format=spec.container, subtype=spec.subtype)
    return buffer.getvalue()
