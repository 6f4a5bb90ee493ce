"""Engines turn generation requests into audio.

Owns the engine contract (:mod:`.base`), the one builder of engine requests (:mod:`.request`), the registry built-ins and plugins share (:mod:`.registry`) and the
built-in engines (``composer/``). Must not touch HTTP, the job store or storage: workers sit between.
"""

from .base import (
    AudioSink,
    DEFAULT_DURATION,
    MAX_DURATION,
    Engine,
    EngineError,
    EngineUnavailable,
    Extra,
    GenerationCanceled,
    GenerationRequest,
    GenerationResult,
    InvalidRequest,
    OverLimit,
    ProgressCallback,
    UnsupportedInput,
)
from .registry import available_engines, create_engine, engine_class, register_engine
from .request import request_for, sample_count

__all__ = [
    "AudioSink",
    "DEFAULT_DURATION",
    "MAX_DURATION",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "Extra",
    "GenerationCanceled",
    "GenerationRequest",
    "GenerationResult",
    "InvalidRequest",
    "OverLimit",
    "ProgressCallback",
    "available_engines",
    "create_engine",
    "engine_class",
    "register_engine",
    "request_for",
    "sample_count",
    "UnsupportedInput",
]
