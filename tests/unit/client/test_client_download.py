"""Streaming finished files to disk, on both twins."""

from __future__ import annotations

import httpx
import pytest

from orchestrion import APIError, GenerationFailed, OrchestrionError
from orchestrion.client import Generation


def finished(twin, gen_id="g-done", **extra):
    audio = twin.server.add_file("output.wav")
    twin.server.timelines[gen_id] = [twin.completed(gen_id, audio_file=audio, **extra)]
    return gen_id, audio


def file_requests(twin):
    return [r for r in twin.server.requests if r.url.path.startswith("/files/")]


async def test_download_streams_the_track_without_sending_the_key(twin, tmp_path):
    gen_id, audio = finished(twin)
    generation = await twin.run(twin.client.audio.retrieve(gen_id))
    target = tmp_path / "song.wav"
    written = await twin.run(twin.client.audio.download(generation, target))
    assert written == target
    assert target.read_bytes() == twin.server.files[httpx.URL(audio["url"]).path]
    assert target.stat().st_size == audio["file_size"]
    (request,) = file_requests(twin)
    assert "Authorization" not in request.headers  # signed URLs may live on another host
    assert request.url.params["sig"] == "abc"
    assert list(tmp_path.iterdir()) == [target]  # no partial file left behind


async def test_download_into_a_folder_uses_the_servers_file_name(twin, tmp_path):
    gen_id, _ = finished(twin)
    (tmp_path / "out").mkdir()
    written = await twin.run(twin.client.audio.download(gen_id, tmp_path / "out"))
    assert written == tmp_path / "out" / "output.wav"
    # A plain folder path that does not exist yet is a file name; a trailing slash makes it a folder.
    written = await twin.run(twin.client.audio.download(gen_id, str(tmp_path / "new") + "/"))
    assert written == tmp_path / "new" / "output.wav"


async def test_download_of_midi_and_stems(twin, tmp_path):
    midi = twin.server.add_file("score.mid", b"MThd" + b"\0" * 100)
    stem = twin.server.add_file("strings.wav", b"RIFF" + b"\1" * 5000)
    gen_id, _ = finished(twin, midi_file=midi, stems=[dict(stem, name="strings")])
    generation = await twin.run(twin.client.audio.retrieve(gen_id))
    path = await twin.run(twin.client.audio.download(generation, tmp_path, file=generation.midi_file))
    assert path.name == "score.mid" and path.read_bytes().startswith(b"MThd")
    path = await twin.run(twin.client.audio.download(generation, tmp_path, file=generation.stems[0]))
    assert path.name == "strings.wav" and path.stat().st_size == 5004


async def test_a_short_download_leaves_no_file(twin, tmp_path):
    gen_id, audio = finished(twin)
    path = httpx.URL(audio["url"]).path
    twin.server.files[path] = twin.server.files[path][:1000]  # the server sends less than it announced
    target = tmp_path / "song.wav"
    with pytest.raises(OrchestrionError, match="cut short: 1000 of 256000 bytes"):
        await twin.run(twin.client.audio.download(gen_id, target))
    assert list(tmp_path.iterdir()) == []


async def test_an_expired_link_raises_the_servers_error(twin, tmp_path):
    gen_id, audio = finished(twin)
    twin.server.files.clear()
    with pytest.raises(APIError) as caught:
        await twin.run(twin.client.audio.download(gen_id, tmp_path / "x.wav"))
    assert caught.value.status_code == 404
    assert list(tmp_path.iterdir()) == []


async def test_unfinished_or_failed_generations_cannot_be_downloaded(twin, tmp_path):
    twin.server.timelines["g-q"] = [twin.queued("g-q")]
    with pytest.raises(OrchestrionError, match="still queued; wait for it"):
        await twin.run(twin.client.audio.download("g-q", tmp_path))
    twin.server.timelines["g-e"] = [twin.failed("g-e")]
    with pytest.raises(GenerationFailed, match="SoundFont"):
        await twin.run(twin.client.audio.download("g-e", tmp_path))
    assert list(tmp_path.iterdir()) == []


async def test_without_a_path_the_track_lands_in_the_current_folder(twin, tmp_path, monkeypatch):
    gen_id, audio = finished(twin)
    monkeypatch.chdir(tmp_path)
    written = await twin.run(twin.client.audio.download(gen_id))
    assert written == tmp_path / "output.wav"
    assert written.stat().st_size == audio["file_size"]


async def test_generations_are_data_any_client_can_download(twin, tmp_path):
    # A Generation holds no client: one rebuilt from its JSON (a cache, another process) downloads the same.
    gen_id, audio = finished(twin)
    fetched = await twin.run(twin.client.audio.retrieve(gen_id))
    rebuilt = Generation.from_dict(dict(fetched.raw))
    assert rebuilt == fetched
    assert not any(name.startswith("_client") or "download" in name for name in vars(rebuilt))
    path = await twin.run(twin.client.audio.download(rebuilt, tmp_path / "again.wav"))
    assert path.stat().st_size == audio["file_size"]


async def test_a_stale_generation_is_judged_as_it_was_fetched(twin, tmp_path):
    # Downloading a Generation uses what it says, without asking the server again: still queued is still queued.
    twin.server.timelines["g-q"] = [twin.queued("g-q")]
    queued = await twin.run(twin.client.audio.retrieve("g-q"))
    before = len(twin.server.requests)
    with pytest.raises(OrchestrionError, match="still queued; wait for it"):
        await twin.run(twin.client.audio.download(queued, tmp_path))
    assert len(twin.server.requests) == before
    twin.server.timelines["g-c"] = [twin.canceled("g-c")]
    with pytest.raises(GenerationFailed) as caught:
        await twin.run(twin.client.audio.download("g-c", tmp_path))
    assert caught.value.generation.status == "canceled"
    assert list(tmp_path.iterdir()) == []


async def test_relative_file_links_resolve_against_the_base_url(twin, tmp_path):
    gen_id, audio = finished(twin)
    twin.server.timelines[gen_id][0]["audio_file"]["url"] = httpx.URL(audio["url"]).raw_path.decode()
    path = await twin.run(twin.client.audio.download(gen_id, tmp_path / "rel.wav"))
    assert path.stat().st_size == audio["file_size"]
