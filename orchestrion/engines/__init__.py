"""Engines turn generation requests into audio.

Owns the engine contract (:mod:`.base`), the registry built-ins and plugins share (:mod:`.registry`) and the
built-in engines (``composer/``). Must not touch HTTP, the job store or storage: workers sit between.
"""

from .base import (
    Engine,
    EngineError,
    EngineUnavailable,
    Extra,
    GenerationCanceled,
    GenerationRequest,
    GenerationResult,
    InvalidRequest,
    ProgressCallback,
)
from .registry import available_engines, create_engine, engine_class, register_engine

__all__ = [
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "Extra",
    "GenerationCanceled",
    "GenerationRequest",
    "GenerationResult",
    "InvalidRequest",
    "ProgressCallback",
    "available_engines",
    "create_engine",
    "engine_class",
    "register_engine",
]
