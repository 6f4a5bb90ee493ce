"""What the client-side commands (`generate`, `status`, `download`, `models`) share: server options, exit codes
for SDK errors, the progress display, JSON output, and the audio player `generate --play` pipes a stream into.

Output discipline: results (a path, a JSON object) go to stdout so scripts can capture them; progress and errors go
to stderr. On a terminal the progress is a live bar; when stderr is piped it is one plain line per change.
"""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable, Iterator, TextIO

import click

from ._common import EXIT_FAILED, EXIT_SERVER, EXIT_USAGE

__all__ = [
    "PLAYERS",
    "Player",
    "Progress",
    "api_key_option",
    "base_url_option",
    "echo_json",
    "exit_on_client_errors",
    "fail",
    "find_player",
    "json_option",
    "make_client",
    "use_json",
]

def base_url_option(help: str = "Server to talk to (default: $ORCHESTRION_BASE_URL, else http://127.0.0.1:8000).",
                    ) -> Callable[[Any], Any]:
    return click.option("--base-url", envvar="ORCHESTRION_BASE_URL", default=None, metavar="URL", help=help)


api_key_option = click.option(
    "--api-key", envvar="ORCHESTRION_API_KEY", default=None, metavar="KEY",
    help="API key (default: $ORCHESTRION_API_KEY).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")


def make_client(base_url: str | None, api_key: str | None):  # noqa: ANN201 - orchestrion.Client
    from ..client import Client, OrchestrionError

    try:
        return Client(base_url, api_key)
    except OrchestrionError as exc:
        raise click.UsageError(exc.message) from None


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=None, sort_keys=False, default=str))


#: Key in ``click.Context.meta`` set by commands running with ``--json``.
JSON_MODE = "orchestrion.json"


def use_json(as_json: bool) -> None:
    """Remember ``--json`` for :func:`fail`, so that errors, too, reach a script as one JSON object."""
    click.get_current_context().meta[JSON_MODE] = as_json


def fail(message: str, code: int, name: str = "error", **fields: Any) -> "click.exceptions.Exit":
    """Report ``message`` on stderr (and as JSON on stdout under ``--json``, with ``fields`` beside the error);
    return the exit to raise."""
    click.secho(f"Error: {message}", err=True, fg="red")
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(JSON_MODE):
        echo_json({"status": "error", **fields, "error": {"name": name, "message": message}, "exit_code": code})
    return click.exceptions.Exit(code)


@contextlib.contextmanager
def exit_on_client_errors(base_url: str | None = None) -> Iterator[None]:
    """Turn SDK errors into a message on stderr and the exit code that means it.

    400-class validation answers are usage errors (2); a failed or timed-out generation is 1; everything else the
    server or the network did (auth, not found, 5xx, unreachable) is 3.
    """
    from ..client import (
        APIConnectionError,
        APIError,
        AuthenticationError,
        BadRequestError,
        GenerationFailed,
        OrchestrionError,
        PermissionDeniedError,
        WaitTimeout,
    )

    try:
        yield
    except BadRequestError as exc:
        raise fail(exc.message, EXIT_USAGE, "bad_request") from None
    except AuthenticationError as exc:
        message = f"{exc.message} (pass --api-key or set ORCHESTRION_API_KEY)"
        raise fail(message, EXIT_SERVER, "authentication") from None
    except PermissionDeniedError as exc:
        raise fail(f"{exc.message} (the key is revoked or out of credits)", EXIT_SERVER, "permission_denied") from None
    except APIError as exc:
        request_id = f" [request {exc.request_id}]" if exc.request_id else ""
        message = f"the server answered {exc.status_code}: {exc.message}{request_id}"
        raise fail(message, EXIT_SERVER, "api_error") from None
    except APIConnectionError as exc:
        hint = f"; is `orchestrion serve` running at {base_url}?" if base_url else ""
        raise fail(f"{exc.message}{hint}", EXIT_SERVER, "connection_error") from None
    except GenerationFailed as exc:
        raise fail(f"generation failed: {exc.error_name}: {exc.error_message}", EXIT_FAILED, exc.error_name) from None
    except WaitTimeout as exc:
        raise fail(exc.message, EXIT_FAILED, "timeout") from None
    except OrchestrionError as exc:
        raise fail(exc.message, EXIT_SERVER) from None


def _describe(status: str, percent: float | None, queue_position: int | None) -> str:
    if status in ("queued", "waiting") and queue_position is not None:
        ahead = "next in line" if queue_position == 0 else f"{queue_position} ahead"
        return f"{status} ({ahead})"
    if status == "generating" and percent is not None:
        return f"generating {percent:.0f}%"
    return status


class Progress:
    """Status of one generation on stderr: a live bar on a terminal, plain lines when piped, nothing when off."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None, *, live: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.live = enabled and (self.stream.isatty() if live is None else live)
        self._clock = clock
        self._start = clock()
        self._last_line: str | None = None
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> "Progress":
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress as RichProgress, SpinnerColumn, TaskProgressColumn
            from rich.progress import TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, force_terminal=True)
            self._bar = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("starting", total=100)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    @property
    def elapsed(self) -> float:
        return self._clock() - self._start

    def update(self, status: str, percent: float | None = None, queue_position: int | None = None) -> None:
        if not self.enabled:
            return
        text = _describe(status, percent, queue_position)
        if self._bar is not None:
            completed = 100.0 if status == "completed" else (percent or 0.0)
            self._bar.update(self._task, description=text, completed=completed)
            return
        # One line per visible change; progress moves in 10 % steps so a pipe is not flooded.
        step = text if percent is None or status != "generating" else _describe(status, percent // 10 * 10, None)
        if step != self._last_line:
            self._last_line = step
            click.echo(f"{step}  [{self.elapsed:.1f}s]", file=self.stream)

    def on_generation(self, generation: Any) -> None:
        """An ``on_update`` callback for :meth:`orchestrion.Client.audio.wait`."""
        self.update(generation.status, generation.progress, generation.queue_position)


#: Players that read a WAV file on stdin, in the order they are looked for on PATH.
PLAYERS: tuple[tuple[str, ...], ...] = (
    ("ffplay", "-nodisp", "-autoexit", "-loglevel", "error", "-i", "-"),
    ("aplay", "-q"),
    ("paplay",),
    ("pw-play", "-"),
)


def find_player() -> list[str] | None:
    """The command line of the first player of :data:`PLAYERS` on PATH, or ``None``."""
    for name, *args in PLAYERS:
        found = shutil.which(name)
        if found:
            return [found, *args]
    return None


class Player:
    """An audio player fed on its stdin from a thread, so a slow (real-time) reader never holds up the download.

    A player that exits early (its window closed, no audio device) is no error: what follows is dropped, and
    :meth:`finish` reports its exit status.
    """

    def __init__(self, command: list[str]) -> None:
        self.command = command
        # Its messages go to a file, not a pipe nobody reads while it plays (a full pipe would stall it).
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=self._stderr)
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._feed, name="player-feed", daemon=True)
        self._thread.start()

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        chunk = self._queue.get()
        while chunk is not None:
            try:
                stdin.write(chunk)
                stdin.flush()
            except (BrokenPipeError, OSError):
                break  # the player is gone: drain what comes so the producer never waits on it
            chunk = self._queue.get()
        with contextlib.suppress(OSError):
            stdin.close()
        while chunk is not None:
            chunk = self._queue.get()

    def write(self, chunk: bytes) -> None:
        self._queue.put(chunk)

    def finish(self) -> int:
        """Let the player play what it was given, then return its exit status."""
        self._queue.put(None)
        self._thread.join()
        return self.process.wait()

    def stop(self) -> None:
        """Stop playing now (Ctrl-C, or a failed stream)."""
        self.process.terminate()
        self._queue.put(None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self._thread.join(5)

    def error_output(self) -> str:
        """The end of what the player said on stderr (why it failed)."""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip()[-500:]
