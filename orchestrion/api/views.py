"""The protocol's views of a generation: pure functions of a job and of what the caller gathered for it.

Nothing here does I/O. The two facts a view needs from elsewhere come in as arguments: the download URL of each
stored file (``links``, by storage key) and, for a queued job, its place in the queue. :mod:`.presenting` is the
one place that gathers them (a store read, link signing) for every route and the webhook sender.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Mapping

from ..jobs.models import Job, JobStatus
from ..util import iso_utc
from ..workers.messages import redact

__all__ = ["created_view", "generation_view", "usage_meta"]


def created_view(job: Job) -> dict[str, Any]:
    """The POST's answer: the new generation, queued."""
    answer = {"id": job.id, "status": JobStatus.QUEUED.value, "model": job.model, "seed": job.params.get("seed"),
              "created_at": iso_utc(job.created_at), "meta": usage_meta(job)}
    if job.params.get("seeds"):
        answer["seeds"] = list(job.params["seeds"])
    return answer


def generation_view(job: Job, *, links: Mapping[str, str], queue_position: int | None) -> dict[str, Any]:
    """The poll's answer for ``job``: hosted fields first, then extensions.

    ``links`` holds a download URL for every file of ``job.files``, by storage key; ``queue_position`` is shown
    for a queued job only (``None`` there when the store could not place it)."""
    status = job.status
    progress = 100 if status is JobStatus.COMPLETED else max(0, min(100, int(job.progress * 100)))
    answer: dict[str, Any] = {
        "id": job.id,
        "status": status.value,
        "audio_file": None,
        "error": None,
        "meta": usage_meta(job),
        "model": job.model,
        "seed": job.params.get("seed"),
        "created_at": iso_utc(job.created_at),
        "completed_at": iso_utc(job.completed_at) if job.completed_at is not None else None,
        "progress": progress,
    }
    seeds = job.params.get("seeds")
    if seeds:
        answer["seeds"] = list(seeds)
    if status is JobStatus.QUEUED:
        answer["queue_position"] = queue_position
    elif status is JobStatus.ERROR:
        answer["error"] = {
            "name": job.error_name or "generation_error",
            # Redacted again: jobs that failed before messages were written for clients may quote a path.
            "message": redact(job.error_message or "") or "The generation failed.",
        }
    elif status is JobStatus.CANCELED:
        answer["error"] = {"name": "canceled", "message": "The generation was canceled; its credits were refunded."}
    if job.files:
        _add_files(job, links, answer, seeds)
    if status is JobStatus.COMPLETED:
        for name in ("plan", "edit"):
            if job.info.get(name) is not None:
                answer[name] = job.info[name]
    return answer


def usage_meta(job: Job) -> dict[str, Any]:
    usage: dict[str, Any] = {"credits_used": job.credits_used}
    if job.work_seconds:
        usage["audio_seconds"] = round(job.work_seconds, 3)
    return {"usage": usage}


def _sheet_fields(file_name: str) -> dict[str, Any]:
    """``lead_sheet-2.svg`` → name ``lead_sheet``, format ``svg``, page 2; ``score.musicxml`` → page None."""
    path = PurePosixPath(file_name)
    stem, fmt = path.stem, path.suffix.lstrip(".")
    name, _, page = stem.rpartition("-")
    if name and page.isdigit():
        return {"name": name, "format": fmt, "page": int(page)}
    return {"name": stem, "format": fmt, "page": None}


def _add_files(job: Job, links: Mapping[str, str], answer: dict[str, Any], seeds: list[int] | None) -> None:
    samples: dict[int, dict[str, Any]] = {}
    for ref in job.files:
        sample = samples.setdefault(ref.sample, {"audio_file": None})
        link = {"url": links[ref.key], "content_type": ref.content_type, "file_name": ref.file_name,
                "file_size": ref.file_size}
        if ref.kind == "audio" and sample["audio_file"] is None:
            sample["audio_file"] = link
        elif ref.kind == "midi" and "midi_file" not in sample:
            sample["midi_file"] = link
        elif ref.kind == "stem":
            sample.setdefault("stems", []).append({"name": PurePosixPath(ref.file_name).stem, **link})
        elif ref.kind == "sheet":
            sample.setdefault("sheet_music", []).append({**_sheet_fields(ref.file_name), **link})
    first = samples.get(0, {"audio_file": None})
    answer["audio_file"] = first["audio_file"]
    for name in ("midi_file", "stems", "sheet_music"):
        if name in first:
            answer[name] = first[name]
    per_sample = job.info.get("samples") or []
    for index, sample in samples.items():
        if index < len(per_sample) and isinstance(per_sample[index], Mapping) and per_sample[index].get("plan"):
            sample["plan"] = per_sample[index]["plan"]
    ordered = [samples[index] for index in sorted(samples)]
    answer["audio_files"] = [s["audio_file"] for s in ordered if s["audio_file"] is not None]
    if len(ordered) > 1:
        answer["samples"] = [{"seed": seeds[index] if seeds and index < len(seeds) else None, **sample}
                             for index, sample in zip(sorted(samples), ordered)]
