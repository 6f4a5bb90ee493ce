"""Reading a ``text/event-stream`` body line by line into events, free of I/O so both twins share it.

Follows the HTML living standard's event-stream rules as far as this protocol needs them: ``field: value`` lines
(one optional space after the colon), several ``data`` lines joined with newlines, comment lines (``:`` first, the
server's keep-alives) ignored, and a blank line dispatching the event. An event with no ``data`` is not dispatched,
so a lone ``retry:`` block yields nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: its ``data``, ``event`` name (``message`` when unnamed) and ``id``."""

    data: str
    event: str = "message"
    id: str | None = None


class SSEDecoder:
    """Feed lines (without their line break) to :meth:`decode`; it returns an event when a blank line ends one."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        #: The last event id seen; it persists across events, as the standard says, for resuming.
        self.last_event_id: str | None = None

    def decode(self, line: str) -> ServerSentEvent | None:
        line = line.rstrip("\r")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        # ``retry`` and unknown fields matter to a reconnecting browser, not to one pass over a stream.
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(data="\n".join(data), event=event or "message", id=self.last_event_id)
