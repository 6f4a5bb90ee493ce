"""Which addresses a webhook may reach.

A webhook URL is the client's, but the request comes from inside the operator's network, so a URL naming
``127.0.0.1``, ``10.0.0.5`` or ``169.254.169.254`` (cloud metadata) would let a client probe it. Only globally
routable addresses are allowed, plus the networks the operator lists in ``webhook_allowed_networks``.

The check happens twice: when the generation is created (URL syntax, and a host written as an address), and when
each delivery is sent, after resolving the name. Every address the name resolves to must be allowed, and the
request then goes to the address that was checked (with the original Host header and TLS server name), so a name
that resolves differently a moment later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Sequence
from urllib.parse import urlsplit

__all__ = ["AddressNotAllowed", "check_webhook_url", "parse_networks", "resolve_allowed"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2048


class AddressNotAllowed(ValueError):
    """The webhook URL is malformed or leads to an address this server may not call."""

    #: True when trying again later may succeed (the name did not resolve just now).
    transient = False


def parse_networks(text: str | None) -> list[Network]:
    """``"127.0.0.1/32, 10.0.0.0/8"`` as networks; ``ValueError`` naming a bad entry."""
    networks = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"webhook_allowed_networks: {part!r} is not an address or CIDR network") from None
    return networks


def _allowed(address: Address, networks: Sequence[Network]) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        address = mapped
    if any(address in network for network in networks):
        return True
    return address.is_global and not address.is_multicast


def check_webhook_url(url: str, networks: Sequence[Network]) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an acceptable URL; :class:`AddressNotAllowed` saying why otherwise.

    Names are not resolved here (creation must stay fast and DNS may be slow); a host written as an address, and
    ``localhost``, are judged at once.
    """
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise AddressNotAllowed(f"must be a URL of at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressNotAllowed(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise AddressNotAllowed("must be an http:// or https:// URL")
    host = parts.hostname
    if not host:
        raise AddressNotAllowed("must name a host")
    if parts.username is not None or parts.password is not None:
        raise AddressNotAllowed("must not carry credentials; sign-in data has no place in a URL")
    if any(ord(c) < 33 for c in url):
        raise AddressNotAllowed("must not contain spaces or control characters")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not _allowed(literal, networks):
        raise AddressNotAllowed(f"{host} is not a public address, and this server does not call those")
    if literal is None and (host == "localhost" or host.endswith(".localhost")):
        if not _allowed(ipaddress.ip_address("127.0.0.1"), networks):
            raise AddressNotAllowed(f"{host} is this server itself, and this server does not call it")
    return parts.scheme, host, port


def resolve_allowed(host: str, port: int, networks: Sequence[Network]) -> str:
    """The address to connect to for ``host``: every address it resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        error = AddressNotAllowed(f"cannot resolve {host}: {exc}")
        error.transient = True
        raise error from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise AddressNotAllowed(f"{host} resolves to no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not _allowed(address, networks):
            raise AddressNotAllowed(f"{host} resolves to {address}, which is not a public address; this server does "
                                    "not call those (see webhook_allowed_networks)")
    return addresses[0]
