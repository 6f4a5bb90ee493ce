"""What the neural engines (MusicGen, Stable Audio Open) share: optional-install checks, device and dtype choice,
per-item seeding, resampling to the delivered format, and running a batch so that one item's failure, or the
accelerator running out of memory, costs as little as possible.

Nothing here imports torch at module level: ``import orchestrion`` and the API process must stay light, so torch,
transformers and diffusers are imported inside :meth:`NeuralEngine.load` and :meth:`NeuralEngine.generate` only.
Availability is checked with :func:`importlib.util.find_spec`, which finds a package without importing it.

Batch failure policy (:func:`run_batch_resilient`)::

    run the batch ── ok ──────────────────────────────► one result or exception per item
        │
        ├─ out of memory, batch of n > 1 ──► split in halves, run each half the same way
        ├─ out of memory, single item ─────► that item fails with EngineError("out of memory ...")
        └─ any other error, batch of n > 1 ► run the items one by one, so a bad item fails alone
"""

from __future__ import annotations

import abc
import importlib
import importlib.util
import logging
from math import gcd
from pathlib import Path
from typing import Any, Callable, ClassVar, Hashable, Iterable, Mapping, Sequence, TypeVar

import numpy as np

from .base import Engine, EngineError, EngineUnavailable, GenerationRequest, GenerationResult, ProgressCallback

__all__ = [
    "NeuralEngine",
    "OUTPUT_CHANNELS",
    "OUTPUT_RATE",
    "choose_device",
    "choose_dtype",
    "conform_audio",
    "install_command",
    "is_out_of_memory",
    "missing_modules",
    "require_backends",
    "run_batch_resilient",
]

log = logging.getLogger("orchestrion.engines")

OUTPUT_RATE = 48_000
OUTPUT_CHANNELS = 2

Item = TypeVar("Item")
Outcome = Any  # GenerationResult | BaseException


def install_command(extra: str) -> str:
    return f"pip install 'orchestrion[{extra}]'"


def missing_modules(modules: Iterable[str]) -> list[str]:
    """Top-level modules of ``modules`` that cannot be found, without importing any of them."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a module set to None in sys.modules, or a broken install
            found = False
        if not found:
            missing.append(name)
    return missing


def require_backends(engine: str, extra: str, modules: Sequence[str]) -> None:
    """Raise :class:`EngineUnavailable` naming the install command when any of ``modules`` is missing."""
    missing = missing_modules(modules)
    if missing:
        raise EngineUnavailable(
            f"the {engine} engine needs {', '.join(missing)}, which is not installed: run `{install_command(extra)}`"
        )


def import_backend(engine: str, extra: str, module: str) -> Any:
    """Import ``module``, translating a failed import into :class:`EngineUnavailable` with the install command."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EngineUnavailable(
            f"the {engine} engine cannot import {module} ({exc}): run `{install_command(extra)}`"
        ) from exc


def choose_device(requested: str | None, torch: Any) -> str:
    """``"auto"`` (or nothing) picks CUDA when present, else CPU; anything else is checked and used as given."""
    wanted = (requested or "auto").strip().lower()
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise EngineUnavailable(f"device {requested!r} was asked for, but no CUDA device is visible")
    if wanted == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise EngineUnavailable("device 'mps' was asked for, but MPS is not available")
    try:
        torch.device(wanted)
    except RuntimeError as exc:
        raise EngineUnavailable(f"unknown device {requested!r}: {exc}") from exc
    return wanted


_DTYPES = {
    "float32": "float32", "fp32": "float32", "float": "float32",
    "float16": "float16", "fp16": "float16", "half": "float16",
    "bfloat16": "bfloat16", "bf16": "bfloat16",
}


def choose_dtype(requested: str | None, device: str, torch: Any) -> Any:
    """``"auto"``: bfloat16 on CUDA devices that support it, float16 on older CUDA devices, float32 elsewhere
    (CPU kernels for half precision are slow or missing)."""
    wanted = (requested or "auto").strip().lower()
    if wanted == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if wanted not in _DTYPES:
        raise EngineUnavailable(f"unknown dtype {requested!r}; use auto, float32, float16 or bfloat16")
    return getattr(torch, _DTYPES[wanted])


def conform_audio(audio: np.ndarray, sample_rate: int, *, rate: int = OUTPUT_RATE,
                  channels: int = OUTPUT_CHANNELS) -> np.ndarray:
    """``audio`` (frames, channels) at ``sample_rate`` as float32 (frames, ``channels``) at ``rate``.

    Polyphase resampling (scipy's ``resample_poly``, a Kaiser-windowed FIR) keeps the band below the lower Nyquist
    flat and is exact for the integer ratios between common rates (32 -> 48 kHz is 3/2, 44.1 -> 48 kHz is 160/147).
    """
    data = np.asarray(audio, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or data.shape[1] == 0:
        raise EngineError(f"engine produced audio of unexpected shape {data.shape}")
    if not np.all(np.isfinite(data)):
        raise EngineError("engine produced NaN or infinite samples")
    if data.shape[1] != channels:
        if channels == 1:
            data = data.mean(axis=1, keepdims=True)
        elif data.shape[1] == 1:
            data = np.repeat(data, channels, axis=1)
        else:
            data = data[:, :channels] if data.shape[1] > channels else np.pad(
                data, ((0, 0), (0, channels - data.shape[1])), mode="edge")
    if sample_rate != rate and data.shape[0] > 0:
        from scipy.signal import resample_poly

        g = gcd(int(sample_rate), int(rate))
        data = resample_poly(data, rate // g, int(sample_rate) // g, axis=0)
    return np.ascontiguousarray(data, dtype=np.float32)


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA's ``OutOfMemoryError`` (a RuntimeError subclass), or any RuntimeError/MemoryError saying so."""
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def run_batch_resilient(items: Sequence[Item], run: Callable[[Sequence[Item]], list[Outcome]], *,
                        on_oom: Callable[[], None] | None = None) -> list[Outcome]:
    """Run ``items`` through ``run`` as one batch, following the failure policy drawn in the module docstring."""
    if not items:
        return []
    try:
        outcomes = run(items)
        if len(outcomes) != len(items):
            raise RuntimeError(f"batch returned {len(outcomes)} outcomes for {len(items)} items")
        return outcomes
    except Exception as exc:
        if is_out_of_memory(exc):
            if on_oom is not None:
                on_oom()
            if len(items) == 1:
                return [EngineError(f"out of memory even for a single request ({exc}); ask for a shorter "
                                    "duration, or serve this model with a smaller dtype or on a larger device")]
            half = (len(items) + 1) // 2
            log.warning("out of memory with a batch of %d; retrying as %d + %d", len(items), half,
                        len(items) - half)
            return (run_batch_resilient(items[:half], run, on_oom=on_oom)
                    + run_batch_resilient(items[half:], run, on_oom=on_oom))
        if len(items) == 1:
            return [exc]
        log.warning("a batch of %d failed (%s: %s); running its items one by one", len(items),
                    type(exc).__name__, exc)
        return [outcome for item in items for outcome in run_batch_resilient([item], run, on_oom=on_oom)]


def group_indices(keys: Sequence[Hashable]) -> list[list[int]]:
    """Indices grouped by equal key, in order of first appearance: requests that can share one model call."""
    groups: dict[Hashable, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    return list(groups.values())


def describe_prompt(request: GenerationRequest) -> str:
    """The text the model is conditioned on: the prompt, with tempo and key appended when the client gave them
    (both models were trained on descriptions that name tempo and key this way)."""
    parts = [request.prompt.strip()]
    bpm = request.params.get("bpm")
    if bpm:
        parts.append(f"{float(bpm):g} bpm")
    key = request.params.get("key")
    if key:
        parts.append(f"in {key}")
    return ", ".join(p for p in parts if p)


class NeuralEngine(Engine):
    """Base of engines backed by torch models: availability, options, load-once, seeding and batch policy.

    Subclasses set :attr:`extra` and :attr:`backend_modules`, and implement :meth:`_load` and :meth:`_run_batch`
    (one model call for compatible requests, returning one result or exception per request).
    """

    #: The optional install that brings the backend: ``pip install 'orchestrion[<extra>]'``.
    extra: ClassVar[str]
    backend_modules: ClassVar[tuple[str, ...]] = ("torch",)
    max_batch = 4

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        if self.max_batch < 1:
            raise EngineUnavailable(f"max_batch must be at least 1, got {self.max_batch}")
        source = self.options.get("source")
        if not isinstance(source, str) or not source.strip():
            raise EngineUnavailable(f'the {self.name} engine needs source = "<folder or hub id>" in its model table')
        self.source = source.strip()
        self.allow_download = bool(self.options.get("allow_download", False))
        self.output_rate = int(self.options.get("sample_rate", OUTPUT_RATE))
        self.output_channels = int(self.options.get("channels", OUTPUT_CHANNELS))
        self.device: str | None = None
        self.dtype: Any = None
        self._loaded = False

    # -- availability ------------------------------------------------------------------------------------------
    def unavailable_reason(self) -> str | None:
        """Why this engine cannot run here, or None; cheap (no import, no file read beyond a stat)."""
        missing = missing_modules(self.backend_modules)
        if missing:
            return (f"the {self.name} engine needs {', '.join(missing)}, which is not installed: "
                    f"run `{install_command(self.extra)}`")
        if self._looks_like_path(self.source) and not Path(self.source).expanduser().exists():
            return f"weights folder {self.source!r} does not exist"
        return None

    @staticmethod
    def _looks_like_path(source: str) -> bool:
        return source.startswith(("/", "./", "../", "~")) or Path(source).expanduser().exists()

    def validate(self, request: GenerationRequest) -> None:
        reason = self.unavailable_reason()
        if reason:
            raise EngineUnavailable(reason)
        super().validate(request)

    def describe(self) -> dict[str, Any]:
        reason = self.unavailable_reason()
        return {
            **super().describe(),
            "available": reason is None,
            "unavailable_reason": reason or "",
            "install": install_command(self.extra),
            "source": self.source,
            "sample_rate": self.output_rate,
            "channels": self.output_channels,
        }

    # -- loading -----------------------------------------------------------------------------------------------
    def load(self) -> None:
        if self._loaded:
            return
        reason = self.unavailable_reason()
        if reason:
            raise EngineUnavailable(reason)
        torch = import_backend(self.name, self.extra, "torch")
        self.device = choose_device(self.options.get("device"), torch)
        self.dtype = choose_dtype(self.options.get("dtype"), self.device, torch)
        self._load(torch)
        self._loaded = True

    @abc.abstractmethod
    def _load(self, torch: Any) -> None:
        """Build the model on ``self.device`` in ``self.dtype`` (weights from :meth:`weights_location`)."""

    def weights_location(self) -> tuple[str, bool]:
        """``(source, local_files_only)`` for ``from_pretrained``: a folder as is, or a hub id looked up in the
        local cache only unless the operator set ``allow_download = true``."""
        path = Path(self.source).expanduser()
        if path.exists():
            return str(path), True
        return self.source, not self.allow_download

    def weights_error(self, exc: BaseException) -> EngineUnavailable:
        """Translate a ``from_pretrained`` failure into a message an operator can act on."""
        if Path(self.source).expanduser().exists():
            return EngineUnavailable(f"cannot load {self.name} weights from {self.source!r}: {exc}")
        if not self.allow_download:
            return EngineUnavailable(
                f"{self.source!r} is neither a local folder nor in the Hugging Face cache; download it first "
                f"(huggingface-cli download {self.source}) or set allow_download = true for this model ({exc})")
        return EngineUnavailable(f"cannot load {self.name} weights {self.source!r}: {exc}")

    # -- generation --------------------------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest],
                 progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        self.load()
        outcomes: list[Outcome] = [None] * len(requests)
        for group in group_indices([self.batch_key(r) for r in requests]):
            def run(indices: Sequence[int]) -> list[Outcome]:
                sub = [requests[i] for i in indices]
                return self._run_batch(sub, lambda j, f: progress(indices[j], f))

            for index, outcome in zip(group, run_batch_resilient(group, run, on_oom=self._free_memory)):
                if isinstance(outcome, GenerationResult):
                    progress(index, 1.0)
                outcomes[index] = outcome
        return outcomes

    def batch_key(self, request: GenerationRequest) -> Hashable:
        """Requests with equal keys can share one model call (all do by default)."""
        return None

    @abc.abstractmethod
    def _run_batch(self, requests: Sequence[GenerationRequest],
                   progress: ProgressCallback) -> list[GenerationResult | BaseException]:
        """Run one model call for requests that share a :meth:`batch_key`."""

    def _free_memory(self) -> None:
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover - torch is present whenever a batch ran
            pass

    def seeded_generator(self, seed: int) -> Any:
        """A ``torch.Generator`` on the engine's device seeded with ``seed``: one per request, so a request's random
        draws do not depend on the other requests in its batch."""
        import torch

        generator = torch.Generator(device=self.device)
        generator.manual_seed(int(seed))
        return generator

    def finish(self, audio: np.ndarray, sample_rate: int, info: dict[str, Any]) -> GenerationResult:
        """Conform the model's audio to the served rate and channels and wrap it as a result."""
        out = conform_audio(audio, sample_rate, rate=self.output_rate, channels=self.output_channels)
        return GenerationResult(audio=out, sample_rate=self.output_rate,
                                info={**info, "model_sample_rate": int(sample_rate)})
