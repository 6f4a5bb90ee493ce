"""Gathering what a generation's view needs, shared by every caller: the poll, cancel and ``Prefer: wait`` answers,
the history list, the event stream and the webhook sender.

A view (:mod:`.views`) needs two facts from outside the job: a download URL per stored file (the storage's own
presigned URL, S3, or else this server's signed ``/files`` link; both are local computation) and, for a queued
job, its queue position (a store read). The coroutines read the store through :meth:`ApiContext.read`, so callers
on the event loop never push anything onto threads themselves; :func:`present_blocking` is for callers that already
run in a thread.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..jobs.models import Job, JobStatus
from .context import ApiContext
from .views import generation_view

__all__ = ["file_links", "present", "present_all", "present_blocking"]


def file_links(ctx: ApiContext, base_url: str, job: Job) -> dict[str, str]:
    """A download URL for every stored file of ``job``, by storage key."""
    links: dict[str, str] = {}
    for ref in job.files:
        url = ctx.storage.presigned_url(ref.key, ctx.signer.ttl_seconds)
        links[ref.key] = url if url is not None else base_url + ctx.signer.signed_path(ref.key)
    return links


def _queue_positions(ctx: ApiContext, jobs: Sequence[Job]) -> dict[str, int | None]:
    return {job.id: ctx.store.queue_position(job) for job in jobs if job.status is JobStatus.QUEUED}


async def present_all(ctx: ApiContext, base_url: str, jobs: Sequence[Job]) -> list[dict[str, Any]]:
    """The views of ``jobs``, in order; the queued ones' positions in one store read."""
    positions = await ctx.read(_queue_positions, ctx, jobs) if any(
        job.status is JobStatus.QUEUED for job in jobs) else {}
    return [generation_view(job, links=file_links(ctx, base_url, job), queue_position=positions.get(job.id))
            for job in jobs]


async def present(ctx: ApiContext, base_url: str, job: Job) -> dict[str, Any]:
    """The view of ``job`` with file links under ``base_url`` (``ctx.base_url(request)`` for a request's answer)."""
    return (await present_all(ctx, base_url, [job]))[0]


def present_blocking(ctx: ApiContext, base_url: str, job: Job) -> dict[str, Any]:
    """:func:`present` for callers in a thread (the webhook sender): the store is read right here."""
    return generation_view(job, links=file_links(ctx, base_url, job),
                           queue_position=_queue_positions(ctx, [job]).get(job.id))
