"""Webhook hosts in every form the system resolver reads as an address are judged as that address at creation."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from orchestrion.webhooks import AddressNotAllowed, check_webhook_url, parse_networks, resolve_allowed

#: IPv4 hosts in the shorthand, octal, hex and integer forms of inet_aton, and the address each one is.
NUMERIC_LOOPBACK_FORMS = [
    ("2130706433", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.0.0.1", "127.0.0.1"),
    ("0X7F.0.0.1", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("127.0.1", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"),
    ("0177.0.0x0.01", "127.0.0.1"),
    ("00000127.1", "87.0.0.1"),  # octal 127 is 87: still not the loopback, but a public address
    ("0", "0.0.0.0"),
    ("0.0", "0.0.0.0"),
    ("10.1", "10.0.0.1"),
    ("167772161", "10.0.0.1"),
    ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
    ("2852039166", "169.254.169.254"),
    ("192.168.257", "192.168.1.1"),
    ("0xffffffff", "255.255.255.255"),
    ("127.0.0.1.", "127.0.0.1"),
]

REFUSED_HOSTS = [
    # inet_aton forms of non-public addresses (87.0.0.1, from 00000127.1, is public and tested below)
    *[form for form, address in NUMERIC_LOOPBACK_FORMS if not ipaddress.ip_address(address).is_global],
    # names of this machine with the trailing dots the resolver ignores
    "localhost.", "LocalHost.", "api.localhost.", "localhost..",
    # IPv6 addresses that carry an IPv4 one (IPv4-compatible, NAT64, 6to4), and deprecated site-local ones
    "[::127.0.0.1]", "[::7f00:1]", "[::10.0.0.1]",
    "[64:ff9b::127.0.0.1]", "[64:ff9b::7f00:1]", "[64:ff9b::a9fe:a9fe]",
    "[2002:7f00:1::1]", "[2002:a00:1::]", "[fec0::1]",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_every_form_of_a_non_public_host_is_refused_at_creation(host: str) -> None:
    with pytest.raises(AddressNotAllowed, match="not a public address|this server itself"):
        check_webhook_url(f"http://{host}:8080/hook", [])


def test_ipv6_forms_are_judged_with_brackets_zones_and_case_removed() -> None:
    for host in ("[::1]", "[0:0:0:0:0:0:0:1]", "[::]", "[FE80::1%25eth0]", "[fe80::1%25lo]", "[FD00::1]",
                 "[::ffff:127.0.0.1]", "[::FFFF:7F00:1]", "[0:0:0:0:0:ffff:10.0.0.1]", "[::ffff:169.254.169.254]",
                 "[0:0:0:0:0:0:7f00:1]", "[0064:FF9B:0000::7F00:0001]", "[2002:7F00:0001::%25eth0]"):
        with pytest.raises(AddressNotAllowed, match="not a public address"):
            check_webhook_url(f"https://{host}/hook", [])


@pytest.mark.parametrize(("form", "address"), NUMERIC_LOOPBACK_FORMS)
def test_numeric_forms_are_read_as_the_resolver_reads_them(form: str, address: str) -> None:
    # The system's own reading of the form (a trailing dot aside, which inet_aton refuses and the check ignores).
    assert socket.inet_ntoa(socket.inet_aton(form.rstrip("."))) == address
    allow_it = parse_networks(f"{address}/32")
    assert check_webhook_url(f"http://{form}:9000/hook", allow_it) == ("http", address, 9000)


def test_the_refusal_names_the_address_the_host_stands_for() -> None:
    with pytest.raises(AddressNotAllowed, match=r"0x7f\.1 \(127\.0\.0\.1\) is not a public address"):
        check_webhook_url("http://0x7f.1/", [])
    with pytest.raises(AddressNotAllowed, match=r"2852039166 \(169\.254\.169\.254\)"):
        check_webhook_url("https://2852039166/latest/meta-data", [])


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.0.0.1", "1.2.3.256", "1.16777216", "4294967296", "08.0.0.1",
                                  "0x.1", "1..1", "0x1g.0.0.1", "example.123"])
def test_malformed_numeric_hosts_are_refused(host: str) -> None:
    # Each is a malformed address, and no top-level domain is numeric, so none is a name either.
    with pytest.raises(AddressNotAllowed, match="neither a host name nor a valid IPv4 address"):
        check_webhook_url(f"http://{host}/", [])


@pytest.mark.parametrize("host", ["%6c%6fcalhost", "local%68ost", "ex!ample.com", "exa(mple).com"])
def test_hosts_with_characters_no_name_has_are_refused(host: str) -> None:
    with pytest.raises(AddressNotAllowed, match="may hold only"):
        check_webhook_url(f"http://{host}/", [])


def test_public_hosts_in_any_form_pass_as_the_address_delivery_will_reach() -> None:
    for url, host in [
        ("http://010.0.0.1/", "8.0.0.1"),  # octal 010 is 8: a public address, and the one delivery will reach
        ("http://00000127.1/", "87.0.0.1"),
        ("http://134744072/", "8.8.8.8"),
        ("http://0x08.0x08.0x08.0x08/", "8.8.8.8"),
        ("http://8.8.2056/", "8.8.8.8"),
        ("http://[::ffff:8.8.8.8]/", "::ffff:8.8.8.8"),
        ("http://[64:ff9b::8.8.8.8]/", "64:ff9b::8.8.8.8"),
        ("http://[2002:808:808::1]/", "2002:808:808::1"),
        ("http://[2001:4860:4860::8888]/", "2001:4860:4860::8888"),
        ("http://hooks.example.com./", "hooks.example.com."),
        ("http://HOOKS.Example.COM/", "hooks.example.com"),
        ("http://my_host.example.com/", "my_host.example.com"),
        ("http://bücher.example/", "bücher.example"),
        ("http://v1.example/", "v1.example"),
        ("http://0day.example/", "0day.example"),
    ]:
        assert check_webhook_url(url, []) == ("http", host, 80), url


def test_allowed_networks_apply_to_the_normalised_address() -> None:
    loopback = parse_networks("127.0.0.0/8")
    for host in ("2130706433", "0x7f.1", "0177.0.0.1", "127.1", "[::ffff:7f00:1]", "[::127.0.0.1]",
                 "[64:ff9b::127.0.0.1]", "localhost.", "API.LOCALHOST"):
        assert check_webhook_url(f"http://{host}:9000/", loopback)[2] == 9000
    # An allowance for one network opens no other.
    for host in ("0", "0xa9fe.0xa9fe", "[::ffff:10.0.0.1]", "10.1"):
        with pytest.raises(AddressNotAllowed):
            check_webhook_url(f"http://{host}/", loopback)
    assert check_webhook_url("http://10.1/", parse_networks("10.0.0.0/8")) == ("http", "10.0.0.1", 80)
    zoned = parse_networks("fe80::/10")
    assert check_webhook_url("http://[fe80::1%25eth0]/", zoned)[1] == "fe80::1%25eth0"


def test_delivery_refuses_addresses_that_carry_a_private_ipv4_one() -> None:
    # getaddrinfo answers a literal with itself; the IPv4 address inside it decides.
    for literal in ("::127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1"):
        with pytest.raises(AddressNotAllowed, match="not a public address"):
            resolve_allowed(literal, 80, [])
    assert resolve_allowed("64:ff9b::808:808", 80, []) == "64:ff9b::808:808"
