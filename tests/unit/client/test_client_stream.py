"""Streaming a generation's WAV as it renders (``GET /v2/generate/audio/stream``), on both twins."""

from __future__ import annotations

import struct
import wave

import httpx
import pytest

from orchestrion import APIConnectionError, BadRequestError, ConflictError, NotFoundError, OrchestrionError

PCM = bytes(range(256)) * 150  # 38400 bytes: 9600 stereo 16-bit frames, 200 ms at 48 kHz


def wav_header(data_size: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", (data_size + 36) & 0xFFFFFFFF) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 48000 * 4, 4, 16)
            + b"data" + struct.pack("<I", data_size))


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body sent in the given chunks, for either client; ``fail_after`` chunks it breaks like a dropped socket."""

    def __init__(self, chunks: list[bytes], fail_after: int | None = None) -> None:
        self.chunks = chunks
        self.fail_after = fail_after

    def __iter__(self):
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_after:
                raise httpx.ReadError("connection reset by peer")
            yield chunk

    async def __aiter__(self):
        for chunk in self.__iter__():
            yield chunk


def streamed(chunks: list[bytes], **kwargs) -> httpx.Response:
    return httpx.Response(200, stream=Chunks(chunks, **kwargs),
                          headers={"Content-Type": "audio/wav", "Transfer-Encoding": "chunked"})


def pieces(header_size: int) -> list[bytes]:
    whole = wav_header(header_size) + PCM
    return [whole[:10], whole[10:44], whole[44:20000], whole[20000:]]


async def collect(twin, *args, **kwargs) -> list[bytes]:
    stream = twin.client.audio.stream(*args, **kwargs)
    if twin.kind == "sync":
        return list(stream)
    return [chunk async for chunk in stream]


async def test_chunks_are_handed_over_as_they_arrive_with_the_key(twin):
    twin.server.script.append(streamed(pieces(len(PCM))))
    chunks = await collect(twin, "g-1")
    assert chunks == pieces(len(PCM))
    (request,) = twin.server.requests
    assert request.url.path == "/v2/generate/audio/stream"
    assert dict(request.url.params) == {"generation_id": "g-1"}
    assert request.headers["Authorization"] == f"Bearer {twin.api_key}"
    assert request.headers["Accept"] == "audio/wav"


async def test_a_later_sample_is_asked_for_by_number(twin):
    twin.server.script.append(streamed(pieces(len(PCM))))
    await collect(twin, "g-2", sample=2)
    assert twin.server.requests[0].url.params["sample"] == "2"
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="sample must be an int >= 0"):
            await collect(twin, "g-2", sample=bad)


@pytest.mark.parametrize(("status", "error", "message"), [
    (404, NotFoundError, "Generation not found."),
    (409, ConflictError, "The generation failed before any audio."),
    (400, BadRequestError, "sample must be below sample_count (1)."),
])
async def test_errors_arrive_in_the_error_body_and_are_typed(twin, status, error, message):
    twin.server.script.append(httpx.Response(status, json=twin.error_body(status, message,
                                                                        "/v2/generate/audio/stream")))
    with pytest.raises(error) as caught:
        await collect(twin, "g-x")
    assert caught.value.status_code == status and caught.value.message == message
    assert caught.value.path == "/v2/generate/audio/stream"


async def test_a_stream_cut_before_its_announced_length_raises(twin):
    whole = wav_header(len(PCM)) + PCM
    twin.server.script.append(streamed([whole[:44], whole[44:1044]]))
    with pytest.raises(OrchestrionError, match="cut short: 1000 of 38400 bytes of audio"):
        await collect(twin, "g-3")


async def test_a_broken_connection_mid_stream_is_a_connection_error(twin):
    twin.server.script.append(streamed(pieces(len(PCM)), fail_after=2))
    received = []
    stream = twin.client.audio.stream("g-4")
    with pytest.raises(APIConnectionError, match="connection reset"):
        if twin.kind == "sync":
            for chunk in stream:
                received.append(chunk)
        else:
            async for chunk in stream:
                received.append(chunk)
    assert received == pieces(len(PCM))[:2]
    assert len(twin.server.requests) == 1  # audio already handed over is never asked for again


async def test_a_body_that_is_not_a_wav_is_refused(twin):
    twin.server.script.append(streamed([b"<html><body>proxy error</body></html>"]))
    with pytest.raises(OrchestrionError, match="is not a WAV file"):
        await collect(twin, "g-5")


async def test_stream_to_writes_a_valid_wav_even_from_a_placeholder_header(twin, tmp_path):
    twin.server.script.append(streamed(pieces(0xFFFFFFFF)))
    written = await twin.run(twin.client.audio.stream_to("g-6:lyria2", tmp_path))
    assert written == tmp_path / "g-6.wav"
    with wave.open(str(written)) as track:
        assert (track.getnchannels(), track.getframerate(), track.getsampwidth()) == (2, 48000, 2)
        assert track.readframes(track.getnframes()) == PCM
    assert written.read_bytes()[4:8] == struct.pack("<I", 36 + len(PCM))


async def test_stream_to_keeps_a_real_header_as_it_came(twin, tmp_path):
    twin.server.script.append(streamed(pieces(len(PCM))))
    written = await twin.run(twin.client.audio.stream_to("g-7", tmp_path / "out" / "take.wav", sample=1))
    assert written.read_bytes() == b"".join(pieces(len(PCM)))
    assert twin.server.requests[0].url.params["sample"] == "1"


async def test_stream_to_leaves_no_file_when_the_stream_fails(twin, tmp_path):
    twin.server.script.append(streamed(pieces(len(PCM)), fail_after=3))
    with pytest.raises(APIConnectionError):
        await twin.run(twin.client.audio.stream_to("g-8", tmp_path / "take.wav"))
    twin.server.script.append(httpx.Response(409, json=twin.error_body(409, "The generation was canceled.")))
    with pytest.raises(ConflictError):
        await twin.run(twin.client.audio.stream_to("g-8", tmp_path / "take.wav"))
    assert list(tmp_path.iterdir()) == []


async def test_a_busy_server_is_retried_before_the_stream_starts(twin):
    twin.server.script += [httpx.Response(503, json=twin.error_body(503, "Not ready."), headers={"Retry-After": "1"}),
                           streamed(pieces(len(PCM)))]
    assert b"".join(await collect(twin, "g-10")) == b"".join(pieces(len(PCM)))
    assert len(twin.server.requests) == 2 and twin.clock.sleeps == [1.0]


async def test_a_queued_generation_is_waited_for_by_the_server_not_polled(twin):
    # The server holds the answer while the generation is queued: the SDK sends one request and reads it.
    twin.server.script.append(streamed(pieces(len(PCM))))
    await collect(twin, "g-9")
    assert [r.url.path for r in twin.server.requests] == ["/v2/generate/audio/stream"]
    assert twin.clock.sleeps == []


async def test_a_finished_file_in_another_format_is_handed_over_as_it_is(twin, tmp_path):
    mp3 = b"ID3\x04" + bytes(5000)
    twin.server.script.append(httpx.Response(200, content=mp3, headers={"Content-Type": "audio/mpeg"}))
    assert b"".join(await collect(twin, "g-11")) == mp3
    twin.server.script.append(httpx.Response(200, content=mp3, headers={"Content-Type": "audio/mpeg"}))
    written = await twin.run(twin.client.audio.stream_to("g-11", tmp_path / "take.mp3"))
    assert written.read_bytes() == mp3
