"""What a client may read about a failure.

A failure reaches clients as a generation's ``error.message`` (written by the worker into the job, and sent on by
polls, event streams and webhooks) or in an API answer. Such a message names no filesystem path, host or URL, and
carries no internal exception text (an ``OSError``'s ``[Errno 13] Permission denied: '/srv/…'``, a traceback, a
library's own words): a client can act on none of it, and it maps the server for whoever probes it. The log keeps
the whole story under the job id or request id; the client reads a sentence written for it.

Engine errors (:class:`~orchestrion.engines.EngineError` and its subclasses, such as ``InvalidRequest``'s
"duration: must be between 5 and 300 seconds") are written for the client and pass on, with any path, URL or
address that slipped into them taken out: an engine may quote a library's message, with the weights folder in it.
"""

from __future__ import annotations

import re

from ..engines import EngineError

__all__ = ["GENERIC_MESSAGE", "client_message", "redact"]

#: What a client reads about a failure that was not written for it.
GENERIC_MESSAGE = "The generation failed on the server; its log has the details under this generation's id."

# "scheme://anything" up to the next space or quote: the host, and any credentials in it, go with the rest.
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")
# An IPv4 address, with its port if any (an IPv6 one appears in messages inside a URL, or bracketed).
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\w.])")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\](?::\d+)?")
# An absolute path (POSIX, home-relative, or a Windows drive or share) that does not continue a word, a number or a
# relative path: "3/4" and "and/or" are not paths, "/srv/orchestrion/files/abc" and "C:\models\x" are.
_PATH = re.compile(r"(?<![\w.~/\\-])(?:~|[A-Za-z]:)?(?:[/\\]{1,2}[^\s/\\'\"`,;()\[\]{}<>]+)+/?")


def _last_component(match: re.Match[str]) -> str:
    parts = [part for part in re.split(r"[/\\]", match.group(0)) if part and part != "~" and not part.endswith(":")]
    return parts[-1] if parts else ""


def redact(text: str) -> str:
    """``text`` with every URL and IP address replaced by ``[address]`` and every absolute path by its last
    component (``'/srv/orchestrion/files/abc'`` → ``'abc'``): what a message written for people keeps when it is
    shown to a client."""
    text = _URL.sub("[address]", text)
    text = _IPV6.sub("[address]", text)
    text = _IPV4.sub("[address]", text)
    return _PATH.sub(_last_component, text)


def client_message(exc: BaseException, fallback: str = GENERIC_MESSAGE) -> str:
    """What a client may read about ``exc``: an engine error's own message, redacted (:func:`redact`); for any
    other exception (a crash, a storage or encoding failure, a library's error) ``fallback``, since its text was
    written for the operator. Log ``exc`` in full beside the job or request id before answering with this."""
    if isinstance(exc, EngineError):
        return redact(str(exc)).strip() or fallback
    return fallback
