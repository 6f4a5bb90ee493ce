"""`GET /v2/generate/audio/stream` on a real server: the audio arrives while the track renders and is the file."""

from __future__ import annotations

import io
import time

import httpx
import pytest
import soundfile

from tests.support.server import ServerProcess


def _client(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {server.api_key}"}, timeout=60)


def _status(client: httpx.Client, generation_id: str) -> dict:
    return client.get("/v2/generate/audio", params={"generation_id": generation_id}).json()


def _completed(client: httpx.Client, generation_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = _status(client, generation_id)
        if answer["status"] in ("completed", "error", "canceled"):
            return answer
        time.sleep(0.05)
    raise AssertionError(f"{generation_id} did not end")


def test_the_stream_starts_before_the_track_is_done_and_is_the_file(live_server: ServerProcess) -> None:
    with _client(live_server) as client:
        # a three-minute track renders for seconds: its first audio must come long before it is completed
        created = client.post("/v2/generate/audio", json={"model": "google/lyria2", "seed": 11, "duration": 180,
                                                           "prompt": "bright acoustic folk with guitar and fiddle"})
        generation_id = created.json()["id"]
        received = bytearray()
        status_at_first_audio = None
        with client.stream("GET", "/v2/generate/audio/stream", params={"generation_id": generation_id}) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-type"] == "audio/wav"
            for chunk in answer.iter_bytes():
                received += chunk
                if status_at_first_audio is None and len(received) > 44:
                    status_at_first_audio = _status(client, generation_id)["status"]
        assert status_at_first_audio in ("queued", "generating"), "the first audio came only after the track"
        done = _completed(client, generation_id)
        assert done["status"] == "completed"
        stored = httpx.get(done["audio_file"]["url"]).content
        assert bytes(received) == stored  # header and samples alike
        audio, rate = soundfile.read(io.BytesIO(bytes(received)), dtype="int16")
        assert rate == 48_000 and audio.shape[1] == 2 and abs(audio.shape[0] / rate - 180) < 6


def test_a_finished_generation_streams_from_its_file(live_server: ServerProcess) -> None:
    with _client(live_server) as client:
        generation_id = client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "a tone",
                                                                 "duration": 5}).json()["id"]
        done = _completed(client, generation_id)
        streamed = client.get("/v2/generate/audio/stream", params={"generation_id": generation_id})
        assert streamed.status_code == 200 and streamed.content == httpx.get(done["audio_file"]["url"]).content


def test_stream_errors_use_the_error_body(live_server: ServerProcess) -> None:
    with _client(live_server) as client:
        unknown = client.get("/v2/generate/audio/stream", params={"generation_id": "nope:lyria2"})
        assert unknown.status_code == 404 and set(unknown.json()) >= {"message", "path", "requestId", "statusCode"}
        failed = client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "fail"}).json()["id"]
        answer = client.get("/v2/generate/audio/stream", params={"generation_id": failed})
        assert answer.status_code == 409 and "asked to fail" in answer.json()["message"]
        done = client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": "x", "duration": 5}).json()
        answer = client.get("/v2/generate/audio/stream", params={"generation_id": done["id"], "sample": 3})
        assert answer.status_code == 400 and "sample" in answer.json()["message"]
        anonymous = httpx.get(f"{live_server.base_url}/v2/generate/audio/stream", params={"generation_id": failed})
        assert anonymous.status_code == 401


def test_a_reader_slower_than_the_render_gets_the_whole_track_in_another_format_too(
        live_server: ServerProcess) -> None:
    # Stored as FLAC, the finished file cannot stand in for the rest of the stream's WAV as it does for a WAV: the
    # pieces stay for a reader who started while the track rendered and reads at the pace of playback.
    with _client(live_server) as client:
        generation_id = client.post("/v2/generate/audio", json={
            "model": "google/lyria2", "seed": 4, "duration": 60, "output_format": "flac",
            "prompt": "calm piano and strings"}).json()["id"]
        received = bytearray()
        with client.stream("GET", "/v2/generate/audio/stream", params={"generation_id": generation_id}) as answer:
            assert answer.status_code == 200 and answer.headers["content-type"] == "audio/wav"
            chunks = answer.iter_bytes(1 << 16)
            received += next(chunks)
            done = _completed(client, generation_id)  # the track is done and stored before most of it is read
            assert done["status"] == "completed" and done["audio_file"]["content_type"] == "audio/flac"
            time.sleep(1.0)  # and the worker has long finished with the job
            for chunk in chunks:
                received += chunk
        size = int.from_bytes(received[4:8], "little") + 8
        assert len(received) == size > 11_000_000  # a minute of 16-bit stereo, whole
        streamed, rate = soundfile.read(io.BytesIO(bytes(received)), dtype="int16")
        stored, stored_rate = soundfile.read(io.BytesIO(httpx.get(done["audio_file"]["url"]).content), dtype="int16")
        assert rate == stored_rate == 48_000 and (streamed == stored).all()  # the same samples, losslessly


def test_a_reader_that_comes_back_after_the_pieces_are_gone_sees_the_stream_cut(live_server: ServerProcess) -> None:
    import shutil

    with _client(live_server) as client:
        generation_id = client.post("/v2/generate/audio", json={
            "model": "google/lyria2", "seed": 5, "duration": 60, "output_format": "mp3",
            "prompt": "calm piano and strings"}).json()["id"]
        with client.stream("GET", "/v2/generate/audio/stream", params={"generation_id": generation_id}) as answer:
            chunks = answer.iter_bytes(1 << 16)
            received = len(next(chunks))
            assert _completed(client, generation_id)["status"] == "completed"
            # what the worker does once the pieces' time is up, long before this reader is through
            shutil.rmtree(live_server.data_dir / "files" / generation_id / "stream")
            with pytest.raises(httpx.RemoteProtocolError):  # cut short, not a file that merely ends early
                for chunk in chunks:
                    received += len(chunk)
        assert received < 11_000_000
