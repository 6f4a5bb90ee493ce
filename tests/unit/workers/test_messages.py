"""What a client may read about a failure: engine errors in their own words (paths and addresses taken out), a
generic sentence for everything else."""

from __future__ import annotations

import pytest

from orchestrion.engines import EngineError, EngineUnavailable, InvalidRequest
from orchestrion.storage.s3 import S3StorageError
from orchestrion.workers.messages import GENERIC_MESSAGE, client_message, redact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("storing failed: [Errno 1] Operation not permitted: '/srv/orchestrion/files/abc:tone'",
         "storing failed: [Errno 1] Operation not permitted: 'abc:tone'"),
        ("cannot load weights from '/models/musicgen-small/': missing",
         "cannot load weights from 'musicgen-small': missing"),
        ("the SoundFont /usr/share/sounds/sf2/FluidR3_GM.sf2 is missing", "the SoundFont FluidR3_GM.sf2 is missing"),
        (r"C:\models\weights.bin is damaged", "weights.bin is damaged"),
        ("~/weights/x.bin is damaged", "x.bin is damaged"),
        ("upstream unavailable at https://user:secret@api.internal:8443/v2 (timed out)",
         "upstream unavailable at [address] (timed out)"),
        ("S3 upload of s3://bucket/prefix/key failed", "S3 upload of [address] failed"),
        ("cannot reach 10.0.0.5:9000 or [fd00::1]:80", "cannot reach [address] or [address]"),
        # Words written for people stay as they are.
        ("duration: must be between 5 and 300 seconds", "duration: must be between 5 and 300 seconds"),
        ("metre 3/4 and/or 6/8, F#m or Bb-m, a / b", "metre 3/4 and/or 6/8, F#m or Bb-m, a / b"),
        ("source facebook/musicgen-small, version 1.2.3", "source facebook/musicgen-small, version 1.2.3"),
    ],
)
def test_redact_takes_out_paths_and_addresses_only(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_engine_errors_keep_their_words_and_lose_their_paths() -> None:
    assert client_message(InvalidRequest("duration", "must be between 5 and 300 seconds")) == (
        "duration: must be between 5 and 300 seconds")
    assert client_message(EngineUnavailable("no weights in /srv/models/secret")) == "no weights in secret"
    assert client_message(EngineError("")) == GENERIC_MESSAGE


@pytest.mark.parametrize(
    "exc",
    [
        PermissionError(13, "Permission denied", "/srv/orchestrion/files/x"),
        S3StorageError("S3 upload of s3://bucket/x failed: AccessDenied: signature"),
        RuntimeError("CUDA error: an illegal memory access"),
        ValueError("audio contains NaN or infinite samples"),
    ],
)
def test_anything_else_reads_as_the_fallback(exc: BaseException) -> None:
    assert client_message(exc) == GENERIC_MESSAGE
    assert client_message(exc, "the audio could not be read back") == "the audio could not be read back"
