"""The one way to turn a generation's parameters into the :class:`GenerationRequest` an engine sees.

The API validates a request before admitting its job, the worker generates the job's samples, and
``orchestrion generate`` runs an engine locally: all three build their requests here, from the served model id
(aliases resolved) and the parameters as the job stores them, so that what an engine validated is what it
generates.

Stored parameters are a flat mapping: ``prompt``, ``negative_prompt``, ``seed``, optionally ``duration``,
``output_format``, ``bpm``, ``key``, ``loop``, ``stems`` and engine-specific ones, and for a several-sample job
``sample_count`` with one seed per sample in ``seeds``.
"""

from __future__ import annotations

from typing import Any, Mapping

from .base import DEFAULT_DURATION, GenerationRequest

__all__ = ["request_for", "sample_count"]

# Parameters that become fields of the request (or, for several samples, choose its seed) rather than staying in
# ``GenerationRequest.params``.
_LIFTED = ("prompt", "negative_prompt", "seed", "seeds", "sample_count")


def sample_count(params: Mapping[str, Any]) -> int:
    """How many samples (separate tracks, each with its own seed) ``params`` ask for."""
    return int(params.get("sample_count") or 1)


def request_for(model: str, params: Mapping[str, Any], sample: int = 0) -> GenerationRequest:
    """The request for sample ``sample`` of a generation of served model ``model`` (an id, never an alias) with
    stored parameters ``params``.

    Sample k of a several-sample generation takes ``seeds[k]``; the first sample's seed is the generation's own.
    ``duration`` stays in ``params`` as well, so an engine can tell a length its client asked for from the default.
    """
    if not 0 <= sample < sample_count(params):
        raise ValueError(f"sample {sample} of a generation with {sample_count(params)} sample(s)")
    seeds = params.get("seeds")
    seed = int(seeds[sample]) if seeds else int(params.get("seed") or 0)
    return GenerationRequest(
        prompt=str(params["prompt"]),
        negative_prompt=str(params.get("negative_prompt") or ""),
        seed=seed,
        duration=float(params["duration"]) if params.get("duration") is not None else DEFAULT_DURATION,
        model=model,
        params={name: value for name, value in params.items() if name not in _LIFTED},
    )
