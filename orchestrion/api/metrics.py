"""Prometheus metrics: request counters of this process, and queue, job and engine figures from the job store.

Written by hand in the text exposition format (version 0.0.4) so no client library is needed. Store figures are
read when `/metrics` is scraped, so every server process reports the same queue; request counters are per process.
"""

from __future__ import annotations

import bisect
import threading
from typing import Any, Iterable, Mapping, Sequence

from ..config import Settings
from ..jobs.models import JobStatus
from ..jobs.store import JobStore

__all__ = ["CONTENT_TYPE", "LiveMetrics", "RequestMetrics", "TIME_TO_AUDIO_BUCKETS", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TIME_TO_AUDIO_BUCKETS: tuple[float, ...] = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
REQUEST_DURATION_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape(str(value))}"' for name, value in labels.items()) + "}"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if isinstance(value, float) and not value.is_integer() else str(int(value))


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def sample(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        self.lines.append(f"{name}{_labels(labels or {})} {_number(value)}")

    def histogram(
        self,
        name: str,
        bounds: Sequence[float],
        cumulative: Sequence[int],
        count: int,
        total: float,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        base = dict(labels or {})
        for bound, seen in zip(bounds, cumulative):
            self.sample(f"{name}_bucket", seen, {**base, "le": repr(float(bound))})
        self.sample(f"{name}_bucket", count, {**base, "le": "+Inf"})
        self.sample(f"{name}_sum", total, base)
        self.sample(f"{name}_count", count, base)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class LiveMetrics:
    """Live sessions (``/v1/live``) of this process: open now, started, dropped, and chunks sent late."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = 0
        self.started = 0
        self.dropped = 0
        self.underruns = 0

    def count(self, *, opened: int = 0, started: int = 0, dropped: int = 0, underruns: int = 0) -> None:
        with self._lock:
            self.open += opened
            self.started += started
            self.dropped += dropped
            self.underruns += underruns

    def write(self, out: _Writer) -> None:
        with self._lock:
            figures = (self.open, self.started, self.dropped, self.underruns)
        for (name, kind, help_text), value in zip((
            ("orchestrion_live_sessions", "gauge", "Live sessions open in this server process."),
            ("orchestrion_live_sessions_started_total", "counter", "Live sessions that completed their setup."),
            ("orchestrion_live_sessions_dropped_total", "counter",
             "Live sessions closed because their client stopped reading the audio."),
            ("orchestrion_live_underruns_total", "counter",
             "Live audio chunks sent after their real-time due time (the client ran out of audio)."),
        ), figures):
            out.family(name, kind, help_text)
            out.sample(name, value)


class RequestMetrics:
    """Counts and times the requests this process answered, by method, route template and status; holds the
    process's live-session figures (:attr:`live`) beside them."""

    def __init__(self, buckets: Sequence[float] = REQUEST_DURATION_BUCKETS) -> None:
        self.live = LiveMetrics()
        self._buckets = tuple(buckets)
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int], int] = {}
        # route -> [per-bucket counts (not cumulative), count, sum]
        self._durations: dict[str, list[Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            key = (method, route, status)
            self._counts[key] = self._counts.get(key, 0) + 1
            entry = self._durations.get(route)
            if entry is None:
                entry = self._durations[route] = [[0] * len(self._buckets), 0, 0.0]
            index = bisect.bisect_left(self._buckets, seconds)
            if index < len(self._buckets):
                entry[0][index] += 1
            entry[1] += 1
            entry[2] += seconds

    def snapshot(self) -> tuple[dict[tuple[str, str, int], int], dict[str, list[Any]]]:
        with self._lock:
            return dict(self._counts), {r: [list(e[0]), e[1], e[2]] for r, e in self._durations.items()}

    def write(self, out: _Writer) -> None:
        counts, durations = self.snapshot()
        out.family(
            "orchestrion_http_requests_total",
            "counter",
            "HTTP requests answered by this server process, by method, route template and status; status 499 counts "
            "requests whose client closed the connection before the answer (nginx's client closed request), and "
            "route unmatched those no route took (malformed or timed-out requests included).",
        )
        for (method, route, status), value in sorted(counts.items()):
            out.sample("orchestrion_http_requests_total", value, {"method": method, "route": route, "status": str(status)})
        out.family(
            "orchestrion_http_request_duration_seconds", "histogram", "Time to answer a request, by route template."
        )
        for route, (per_bucket, count, total) in sorted(durations.items()):
            cumulative, running = [], 0
            for seen in per_bucket:
                running += seen
                cumulative.append(running)
            out.histogram("orchestrion_http_request_duration_seconds", self._buckets, cumulative, count, total, {"route": route})
        self.live.write(out)


def render_metrics(
    store: JobStore,
    settings: Settings,
    requests: RequestMetrics,
    *,
    worker_max_age: float,
) -> str:
    """The whole `/metrics` page. Blocking (several store queries): call it from a thread."""
    out = _Writer()

    out.family("orchestrion_queue_depth", "gauge", "Queued generations waiting for a worker, by served engine model.")
    for model_id in sorted(settings.models):
        out.sample("orchestrion_queue_depth", store.queue_depth(model_id), {"model": model_id})

    out.family("orchestrion_jobs", "gauge", "Generations in the store, by status.")
    by_status = store.count_by_status()
    for status in JobStatus:
        out.sample("orchestrion_jobs", by_status.get(status, 0), {"status": status.value})

    stats = store.completion_stats(TIME_TO_AUDIO_BUCKETS)
    tta = stats.get("time_to_audio", {})
    out.family(
        "orchestrion_time_to_audio_seconds",
        "histogram",
        "Seconds from creation to completed, over completed generations.",
    )
    out.histogram(
        "orchestrion_time_to_audio_seconds",
        TIME_TO_AUDIO_BUCKETS,
        list(tta.get("buckets", [0] * len(TIME_TO_AUDIO_BUCKETS))),
        int(tta.get("count", 0)),
        float(tta.get("sum", 0.0)),
    )

    rtf: Mapping[str, Mapping[str, float]] = stats.get("real_time_factor", {})
    out.family(
        "orchestrion_engine_real_time_factor",
        "gauge",
        "Seconds of audio produced per second of engine time (30 means 30x faster than real time), by model.",
    )
    for model_id, figures in sorted(rtf.items()):
        engine_seconds = float(figures.get("engine_seconds", 0.0))
        if engine_seconds > 0:
            out.sample(
                "orchestrion_engine_real_time_factor",
                float(figures.get("audio_seconds", 0.0)) / engine_seconds,
                {"model": model_id},
            )
    _totals(out, rtf.items())

    workers = store.live_workers(worker_max_age)
    out.family("orchestrion_workers_live", "gauge", "Workers seen recently and not stopped (loading or ready).")
    out.sample("orchestrion_workers_live", len(workers))
    out.family("orchestrion_workers_ready", "gauge", "Live workers whose engines are loaded.")
    out.sample("orchestrion_workers_ready", sum(1 for w in workers if w.get("state") == "ready"))

    requests.write(out)
    return out.text()


def _totals(out: _Writer, rtf: Iterable[tuple[str, Mapping[str, float]]]) -> None:
    rows = list(rtf)
    out.family("orchestrion_engine_audio_seconds_total", "counter", "Seconds of audio produced, by model.")
    for model_id, figures in sorted(rows):
        out.sample("orchestrion_engine_audio_seconds_total", float(figures.get("audio_seconds", 0.0)), {"model": model_id})
    out.family("orchestrion_engine_seconds_total", "counter", "Seconds engines ran for completed jobs, by model.")
    for model_id, figures in sorted(rows):
        out.sample("orchestrion_engine_seconds_total", float(figures.get("engine_seconds", 0.0)), {"model": model_id})
