"""The generation view is a pure function of the job and what the caller gathered; the gathering is shared."""

from __future__ import annotations

import time

import pytest

from orchestrion.api.presenting import file_links, present, present_all, present_blocking
from orchestrion.api.views import created_view, generation_view
from orchestrion.jobs.models import FileRef, Job, JobStatus
from tests.unit.api.helpers import bearer, complete

NOW = 1_700_000_000.25


def job(status: JobStatus = JobStatus.QUEUED, **fields: object) -> Job:
    values: dict = {"id": "7c4e:tone", "key_id": "k", "model": "test/tone", "engine_model": "test/tone",
                    "params": {"prompt": "x", "seed": 7}, "status": status, "progress": 0.0, "attempts": 0,
                    "max_attempts": 3, "created_at": NOW, "updated_at": NOW}
    values.update(fields)
    return Job(**values)


def ref(key: str, kind: str = "audio", sample: int = 0) -> FileRef:
    return FileRef(key=key, file_name=key.rsplit("/", 1)[-1], content_type="audio/wav", file_size=10, kind=kind,
                   sample=sample)


def test_a_queued_view_shows_the_position_it_was_given() -> None:
    view = generation_view(job(), links={}, queue_position=3)
    assert view["status"] == "queued" and view["queue_position"] == 3
    assert view["created_at"] == "2023-11-14T22:13:20.250Z" and view["completed_at"] is None
    assert view["audio_file"] is None and view["error"] is None and view["seed"] == 7
    assert generation_view(job(), links={}, queue_position=None)["queue_position"] is None
    # Only a queued job has a place in the queue, whatever the caller passes.
    assert "queue_position" not in generation_view(job(JobStatus.GENERATING, progress=0.42), links={},
                                                   queue_position=3)


def test_files_take_the_links_given_by_key() -> None:
    files = (ref("j/output.wav"), ref("j/score.mid", "midi"), ref("j/stems/bass.wav", "stem"),
             ref("j/s1/output.wav", sample=1))
    links = {f.key: f"https://cdn.example/{f.key}" for f in files}
    view = generation_view(job(JobStatus.COMPLETED, files=files, completed_at=NOW + 1,
                               params={"seed": 7, "seeds": [7, 8]}), links=links, queue_position=None)
    assert view["progress"] == 100
    assert view["audio_file"] == {"url": "https://cdn.example/j/output.wav", "content_type": "audio/wav",
                                  "file_name": "output.wav", "file_size": 10}
    assert view["midi_file"]["url"] == "https://cdn.example/j/score.mid"
    assert view["stems"] == [{"name": "bass", "url": "https://cdn.example/j/stems/bass.wav",
                              "content_type": "audio/wav", "file_name": "bass.wav", "file_size": 10}]
    assert [a["url"] for a in view["audio_files"]] == ["https://cdn.example/j/output.wav",
                                                        "https://cdn.example/j/s1/output.wav"]
    assert [s["seed"] for s in view["samples"]] == [7, 8]
    with pytest.raises(KeyError):  # a file with no link given is the caller's mistake, not a silent null
        generation_view(job(JobStatus.COMPLETED, files=files), links={}, queue_position=None)


def test_failed_and_canceled_views_explain_themselves() -> None:
    failed = generation_view(job(JobStatus.ERROR, error_name="engine_error",
                                 error_message="failed reading /srv/models/x.bin"), links={}, queue_position=None)
    assert failed["error"]["name"] == "engine_error" and "/srv/models" not in failed["error"]["message"]
    canceled = generation_view(job(JobStatus.CANCELED), links={}, queue_position=None)
    assert canceled["error"]["name"] == "canceled"


def test_the_created_view_is_queued_with_its_usage() -> None:
    view = created_view(job(credits_used=2, work_seconds=30.0, params={"seed": 7, "seeds": [7, 8]}))
    assert view == {"id": "7c4e:tone", "status": "queued", "model": "test/tone", "seed": 7,
                    "created_at": "2023-11-14T22:13:20.250Z", "seeds": [7, 8],
                    "meta": {"usage": {"credits_used": 2, "audio_seconds": 30.0}}}


@pytest.mark.asyncio
async def test_presenting_gathers_positions_in_one_read_and_signs_links(client, ctx, store, storage, api_key,
                                                                        monkeypatch) -> None:
    ids = []
    for prompt in ("one", "two", "three"):
        created = await client.post("/v2/generate/audio", json={"model": "test/tone", "prompt": prompt},
                                    headers=bearer(api_key))
        ids.append(created.json()["id"])
    complete(store, storage, ids[0])
    jobs = [store.get_job(job_id) for job_id in ids]
    reads: list[str] = []
    original_read = ctx.read

    async def counting_read(func, /, *args, **kwargs):  # noqa: ANN001, ANN202
        reads.append(getattr(func, "__name__", "?"))
        return await original_read(func, *args, **kwargs)

    monkeypatch.setattr(ctx, "read", counting_read)
    views = await present_all(ctx, "https://api.example", jobs)
    assert len(reads) == 1
    assert [v["status"] for v in views] == ["completed", "queued", "queued"]
    assert [v.get("queue_position") for v in views[1:]] == [0, 1]
    assert views[0]["audio_file"]["url"].startswith(f"https://api.example/files/{ids[0]}/output.wav?expires=")
    links = file_links(ctx, "https://api.example", jobs[0])
    assert set(links) == {f.key for f in jobs[0].files}
    assert ctx.signer.check(f"{ids[0]}/output.wav", *_expiry_and_signature(links[f"{ids[0]}/output.wav"])) == "ok"

    reads.clear()
    assert await present_all(ctx, "https://api.example", jobs[:1]) == views[:1]
    assert reads == []  # nothing queued: no store read at all
    assert await present(ctx, "https://api.example", jobs[2]) == views[2]
    assert present_blocking(ctx, "https://api.example", jobs[2]) == views[2]


def _expiry_and_signature(url: str) -> tuple[str, str]:
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(url).query)
    assert int(query["expires"][0]) > time.time()
    return query["expires"][0], query["signature"][0]
