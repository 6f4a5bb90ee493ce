"""Orchestrion: a self-hosted text-to-music service speaking the AI/ML API audio protocol.

The top-level package is the SDK's front door and stays light (no numpy, engines or server imports; the client
itself is imported when one of its names is first used)::

    from orchestrion import Client

    client = Client("http://127.0.0.1:8000", api_key="...")
    generation = client.audio.generate_and_wait(prompt="lo-fi hip hop for a rainy night")
    client.audio.download(generation, "rainy.wav")

The service lives in subpackages: ``api``, ``jobs``, ``workers``, ``engines``, ``storage``, ``cli``.
"""

from typing import TYPE_CHECKING

from orchestrion._version import __version__

if TYPE_CHECKING:  # what the names below are, for type checkers
    from orchestrion.client import *  # noqa: F403


def __getattr__(name: str) -> object:
    """The SDK's names, imported when first asked for (``from orchestrion import Client`` included): the service's
    processes and the CLI import this package too, and the client's imports (httpx and its stack) cost each of
    them ~0.3 s of a core at start."""
    if name in __all__ and name != "__version__":
        from orchestrion import client

        value = getattr(client, name)
        globals()[name] = value  # asked once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
