"""Live sessions over ``websockets.sync.client``: ``client.live``. :mod:`._live_async` is its twin, line for line.

::

    from orchestrion.client import Client, LiveAudio

    with Client() as client, client.live.connect(seed=7) as session:
        session.set_prompts(["warm synthwave", ("rain on a window", 0.4)])
        session.play()
        for message in session:
            if isinstance(message, LiveAudio):
                speaker.write(message.pcm)
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Iterator

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import ClientConnection, connect

from ._base import BaseClient
from ._exceptions import APIConnectionError, APITimeoutError, OrchestrionError
from ._live import (
    LiveAudio,
    LiveError,
    LiveSetup,
    LiveState,
    closed_error,
    command_message,
    config_message,
    connect_options,
    decode_frame,
    handshake_error,
    live_url,
    prompts_message,
    setup_message,
)

__all__ = ["Live", "LiveSession"]


class Live:
    """``client.live``: open live sessions (``/v1/live``), music that plays while you steer it."""

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def connect(self, model: str | None = None, seed: int | None = None) -> LiveSession:
        """Open a session, send its ``setup`` and return it once the server's ``setupComplete`` came.

        Use it as a context manager (``with client.live.connect(seed=7) as session:``) so that it is closed.
        ``model`` defaults to the server's live model; ``seed`` makes the music repeatable. Raises the typed error
        of a refused handshake (:class:`AuthenticationError` for a bad key, :class:`RateLimitError` past the
        session limit), :class:`BadRequestError` for a setup the server rejects, :class:`APIConnectionError` when
        the server cannot be reached and :class:`APITimeoutError` when it does not answer within the client's
        timeouts.
        """
        client = self._client
        message = setup_message(model, seed)
        url = live_url(client)
        try:
            # legacy=True: connect now and hand the connection over (the session closes it), without the warning
            # websockets >= 17.1 gives a connect() not used as a context manager.
            connection = connect(url, legacy=True, **connect_options(client))
        except (OSError, EOFError, InvalidHandshake, InvalidURI, ConnectionClosed) as exc:
            raise handshake_error(exc, url) from exc
        session = LiveSession(connection)
        try:
            session._start(message, client.timeout.read)
        except BaseException:
            session.close()
            raise
        return session


class LiveSession:
    """One open live session: steer it with :meth:`set_prompts`, :meth:`set_config`, :meth:`play` ...; iterate it
    for what the server sends.

    Iterating yields :class:`LiveAudio` (about 200 ms of PCM each while playing), :class:`LiveState` (a change took
    effect) and :class:`LiveError` (the server refused a message, with a 400; the session goes on). An error that
    ends the session (401, 429, 5xx) is raised as its typed :class:`APIError`; iteration ends when the server
    closes the session normally. Audio arrives in real time: read it as it comes (from another thread if this one
    is busy), or the connection's buffers fill and the server drops the session. Sending from one thread while
    another iterates is safe.
    """

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        #: The server's ``setupComplete``: ``session_id``, ``model``, ``seed``, ``sample_rate``, ``channels``.
        self.setup = LiveSetup(session_id="", model=None, seed=None, sample_rate=48000, channels=2, chunk_frames=None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(session_id={self.setup.session_id!r}, model={self.setup.model!r})"

    def _start(self, message: str, timeout: float | None) -> None:
        self._send(message)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            frame = self._receive_frame(remaining, "setupComplete")
            if frame is None:
                raise APIConnectionError("the server closed the live session before completing its setup")
            message = decode_frame(frame, self.setup.channels)
            if isinstance(message, LiveSetup):
                self.setup = message
                return
            if isinstance(message, LiveError):
                raise message.error
            if message is not None:
                raise OrchestrionError(f"the server sent {type(message).__name__} before setupComplete")

    def set_prompts(self, prompts: Iterable[Any] | str) -> None:
        """Replace the prompts: texts (weight 1), ``(text, weight)`` pairs or ``{"text", "weight"}`` dicts."""
        self._send(prompts_message(prompts))

    def set_config(self, **fields: Any) -> None:
        """Change some of ``bpm``, ``density``, ``brightness``, ``scale``, ``mute_bass``, ``mute_drums``,
        ``only_bass_and_drums``; the others keep their values. A :class:`LiveState` says when it took effect."""
        self._send(config_message(fields))

    def play(self) -> None:
        """Start (or resume) the music."""
        self._send(command_message("play"))

    def pause(self) -> None:
        """Pause; :meth:`play` resumes where it stopped."""
        self._send(command_message("pause"))

    def stop(self) -> None:
        """Stop; :meth:`play` starts again from the top."""
        self._send(command_message("stop"))

    def reset(self) -> None:
        """Forget the music's context and start afresh with the current prompts and config."""
        self._send(command_message("reset"))

    def receive(self, timeout: float | None = None) -> LiveAudio | LiveState | LiveError | None:
        """The next message, waiting up to ``timeout`` seconds (``None``: no limit; then
        :class:`APITimeoutError`); ``None`` once the server has closed the session normally."""
        while True:
            frame = self._receive_frame(timeout, "message")
            if frame is None:
                return None
            message = decode_frame(frame, self.setup.channels)
            if isinstance(message, (LiveAudio, LiveState, LiveError)):
                return message

    def __iter__(self) -> Iterator[LiveAudio | LiveState | LiveError]:
        while True:
            message = self.receive()
            if message is None:
                return
            yield message

    def close(self) -> None:
        """Close the session (the server stops making its music)."""
        self._connection.close()

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, message: str) -> None:
        try:
            self._connection.send(message)
        except ConnectionClosed as exc:
            raise closed_error(exc) or APIConnectionError("the live session is closed") from exc

    def _receive_frame(self, timeout: float | None, what: str) -> str | bytes | None:
        try:
            return self._connection.recv(timeout)
        except TimeoutError:
            raise APITimeoutError(f"no {what} from the live session within {timeout:g} s") from None
        except ConnectionClosed as exc:
            error = closed_error(exc)
            if error is None:
                return None
            raise error from exc
