"""Which addresses a webhook may reach.

A webhook URL is the client's, but the request comes from inside the operator's network, so a URL naming
``127.0.0.1``, ``10.0.0.5`` or ``169.254.169.254`` (cloud metadata) would let a client probe it. Only globally
routable addresses are allowed, plus the networks the operator lists in ``webhook_allowed_networks``.

The check happens twice: when the generation is created (URL syntax, and a host written as an address), and when
each delivery is sent, after resolving the name. At creation a host is first read the way the system resolver will
read it: ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` are all 127.0.0.1 to ``getaddrinfo`` (the
shorthand and octal and hex parts of ``inet_aton``), trailing dots and letter case change nothing, an IPv6 zone
(``%eth0``) is ignored, and an IPv6 address that carries an IPv4 one (``::ffff:a.b.c.d``, the old ``::a.b.c.d``,
NAT64's ``64:ff9b::a.b.c.d``, 6to4's ``2002:aabb:ccdd::``) is judged by the IPv4 address it reaches too. Every address the name resolves to must be allowed, and the
request then goes to the address that was checked (with the original Host header and TLS server name), so a name
that resolves differently a moment later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import re
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


#: NAT64's well-known prefix (RFC 6052): a translator sends ``64:ff9b::a.b.c.d`` on to the IPv4 address a.b.c.d.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: One part of a numeric IPv4 host as ``inet_aton`` reads it: hex with ``0x``, octal with a leading 0, or decimal.
_NUMERIC_PART = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
#: ASCII a host name may hold (letters, digits, hyphens, underscores, dots); anything else ASCII is refused.
_NAME_ASCII = re.compile(r"^[a-z0-9._-]*$")


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, when it carries one: IPv4-mapped (``::ffff:a.b.c.d``),
    IPv4-compatible (``::a.b.c.d``, deprecated but still routed by some stacks) and NAT64 (``64:ff9b::a.b.c.d``)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    value = int(address)
    if value >> 32 == 0 and value > 1:  # ``::`` and ``::1`` are IPv6's own unspecified and loopback addresses
        return ipaddress.IPv4Address(value)
    if address in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return None


def _public(address: Address) -> bool:
    if not address.is_global or address.is_multicast:
        return False
    return not (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)


def _allowed(address: Address, networks: Sequence[Network]) -> bool:
    embedded = _embedded_ipv4(address)
    if embedded is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        address = embedded
    if any(address in network for network in networks):
        return True
    sixtofour = address.sixtofour if isinstance(address, ipaddress.IPv6Address) else None
    if sixtofour is not None and not _allowed(sixtofour, networks):
        return False  # 2002:7f00:1:: is tunnelled to 127.0.0.1
    return _public(address)


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` as the IPv4 address ``inet_aton`` (and so ``getaddrinfo``) reads it, or ``None`` for a name.

    One to four parts; the last fills the bytes the others leave (``127.1`` is 127.0.0.1, ``2130706433`` is
    127.0.0.1); each part is decimal, octal with a leading ``0``, or hex with ``0x``. A host whose last label is
    numeric is an address or nothing (no top-level domain is numeric), so a malformed one is refused.
    """
    parts = host.split(".")
    if not _NUMERIC_PART.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        raise AddressNotAllowed(f"{host} is neither a host name nor a valid IPv4 address")
    values = []
    for part in parts:
        if part.startswith("0x"):
            if part == "0x":  # inet_aton wants a digit after the prefix
                raise AddressNotAllowed(f"{host} is neither a host name nor a valid IPv4 address")
            values.append(int(part[2:], 16))
        elif len(part) > 1 and part.startswith("0"):
            if not set(part) <= set("01234567"):
                raise AddressNotAllowed(f"{host} is neither a host name nor a valid IPv4 address")
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *leading, last = values
    if any(value > 0xFF for value in leading) or last >= 256 ** (5 - len(values)):
        raise AddressNotAllowed(f"{host} is neither a host name nor a valid IPv4 address")
    number = 0
    for value in leading:
        number = number << 8 | value
    return ipaddress.IPv4Address(number << 8 * (5 - len(values)) | last)


def _host_address(host: str) -> Address | None:
    """The address a URL's host (lower case, brackets removed, trailing dots stripped) stands for, if it is one."""
    if ":" in host:
        try:
            return ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            raise AddressNotAllowed(f"{host} is not a valid IPv6 address") from None
    return _numeric_ipv4(host)


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
    # The resolver ignores trailing dots ("localhost." is localhost) and case (urlsplit lowers it already).
    name = host.rstrip(".")
    if not name:
        raise AddressNotAllowed("must name a host")
    if ":" not in name and not _NAME_ASCII.match("".join(c for c in name if c.isascii())):
        raise AddressNotAllowed(f"host {host!r} may hold only letters, digits, hyphens, underscores and dots")
    address = _host_address(name)
    if address is not None:
        shown = host if address.compressed == host else f"{host} ({address.compressed})"
        if not _allowed(address, networks):
            raise AddressNotAllowed(f"{shown} is not a public address, and this server does not call those")
        # Deliveries resolve and connect to the address as judged here, whatever form the URL wrote it in.
        return parts.scheme, address.compressed if address.version == 4 else host, port
    if name == "localhost" or name.endswith(".localhost"):
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
