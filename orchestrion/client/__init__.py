"""The Python SDK: :class:`Client` and :class:`AsyncClient`, their result types and their errors.

Owns speaking the ``/v2/generate/audio`` protocol over HTTP (and Orchestrion's live sessions, ``/v1/live``, over a
WebSocket), to Orchestrion or to any server that speaks it. Must not import the server side (api, jobs, workers,
engines): the SDK is what users install to talk to a server.
"""

from ._async_client import AsyncAudio, AsyncClient, AsyncModels
from ._base import DEFAULT_BASE_URL, DEFAULT_MODEL
from ._client import Audio, Client, Models
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GenerationFailed,
    NotFoundError,
    OrchestrionError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    WaitTimeout,
)
from ._live import LiveAudio, LiveError, LiveSetup, LiveState
from ._live_async import AsyncLive, AsyncLiveConnect, AsyncLiveSession
from ._live_client import Live, LiveSession
from ._types import AudioFile, Edit, Generation, GenerationError, Model, Plan, PlanSection, SheetMusicFile

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncAudio",
    "AsyncClient",
    "AsyncLive",
    "AsyncLiveConnect",
    "AsyncLiveSession",
    "AsyncModels",
    "Audio",
    "AudioFile",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "Edit",
    "Generation",
    "GenerationError",
    "GenerationFailed",
    "Live",
    "LiveAudio",
    "LiveError",
    "LiveSession",
    "LiveSetup",
    "LiveState",
    "Model",
    "Models",
    "NotFoundError",
    "OrchestrionError",
    "PermissionDeniedError",
    "Plan",
    "PlanSection",
    "RateLimitError",
    "ServerError",
    "SheetMusicFile",
    "WaitTimeout",
]
