"""Orchestrion: a self-hosted text-to-music service speaking the AI/ML API audio protocol.

The top-level package is the SDK's front door and stays light (no numpy, engines or server imports)::

    from orchestrion import Client

    client = Client("http://127.0.0.1:8000", api_key="...")
    generation = client.audio.generate_and_wait(prompt="lo-fi hip hop for a rainy night")
    client.audio.download(generation, "rainy.wav")

The service lives in subpackages: ``api``, ``jobs``, ``workers``, ``engines``, ``storage``, ``cli``.
"""

from orchestrion._version import __version__
from orchestrion.client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncClient,
    AudioFile,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    Generation,
    GenerationFailed,
    NotFoundError,
    OrchestrionError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    WaitTimeout,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AudioFile",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "Generation",
    "GenerationFailed",
    "NotFoundError",
    "OrchestrionError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "WaitTimeout",
    "__version__",
]
