"""Standard Webhooks signatures and the address rules of webhook URLs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from orchestrion.webhooks import (
    AddressNotAllowed,
    WebhookVerificationError,
    check_webhook_url,
    load_webhook_secret,
    parse_networks,
    resolve_allowed,
    sign,
    signature_headers,
    verify,
)

# The reference example of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_specifications_example() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE
    headers = {"Webhook-Id": SPEC_ID, "Webhook-Timestamp": str(SPEC_TIMESTAMP), "Webhook-Signature": SPEC_SIGNATURE}
    verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP + 10)


def test_verify_refuses_tampering_replays_and_missing_headers() -> None:
    headers = signature_headers(SPEC_SECRET, "msg_1", b"{}")
    verify(SPEC_SECRET, headers, b"{}")
    with pytest.raises(WebhookVerificationError):
        verify(SPEC_SECRET, headers, b'{"x": 1}')
    with pytest.raises(WebhookVerificationError):
        verify("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", headers, b"{}")
    with pytest.raises(WebhookVerificationError, match="too far"):
        verify(SPEC_SECRET, headers, b"{}", now=int(headers["webhook-timestamp"]) + 3600)
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify(SPEC_SECRET, {"webhook-id": "msg_1"}, b"{}")
    rotated = {**headers, "webhook-signature": "v1,bm90IGl0 " + headers["webhook-signature"]}
    verify(SPEC_SECRET, rotated, b"{}")


def test_the_secret_is_created_once_private_and_a_configured_one_is_checked(tmp_path: Path) -> None:
    secret = load_webhook_secret(tmp_path)
    assert secret.startswith("whsec_") and load_webhook_secret(tmp_path) == secret
    assert stat.S_IMODE(os.stat(tmp_path / "webhook.key").st_mode) == 0o600
    assert load_webhook_secret(tmp_path, SPEC_SECRET) == SPEC_SECRET
    for bad in ("plain-text", "whsec_not base64!", "whsec_QUJD"):
        with pytest.raises(ValueError):
            load_webhook_secret(tmp_path, bad)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://10.0.0.8/x", "http://192.168.1.1/x", "http://172.16.0.1/x", "http://100.64.0.1/",
    "http://169.254.169.254/latest", "http://0.0.0.0/", "http://localhost:8000/", "http://api.localhost/",
    "http://[::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/",
])
def test_addresses_that_are_not_public_are_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        check_webhook_url(url, [])


@pytest.mark.parametrize("url", ["gopher://example.com/", "http://user:pw@example.com/", "http:///path",
                                 "http://exa mple.com/", "https://example.com:99999/", "x" * 3000])
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        check_webhook_url(url, [])


def test_public_addresses_and_allowed_networks_pass() -> None:
    assert check_webhook_url("https://hooks.example.com/in?x=1", []) == ("https", "hooks.example.com", 443)
    assert check_webhook_url("http://93.184.215.14:8080/", []) == ("http", "93.184.215.14", 8080)
    networks = parse_networks("127.0.0.1/32, 10.0.0.0/8")
    assert check_webhook_url("http://127.0.0.1:9000/hook", networks)[2] == 9000
    assert check_webhook_url("http://10.9.9.9/hook", networks)
    assert check_webhook_url("http://localhost/hook", networks)
    with pytest.raises(AddressNotAllowed):
        check_webhook_url("http://192.168.0.1/hook", networks)
    with pytest.raises(ValueError, match="not an address"):
        parse_networks("10.0.0.0/8, intranet")


def test_names_are_judged_by_every_address_they_resolve_to() -> None:
    with pytest.raises(AddressNotAllowed, match="not a public address"):
        resolve_allowed("localhost", 80, [])
    assert resolve_allowed("localhost", 80, parse_networks("127.0.0.0/8, ::1/128")) in ("127.0.0.1", "::1")
    with pytest.raises(AddressNotAllowed) as caught:
        resolve_allowed("no-such-host.invalid", 80, [])
    assert caught.value.transient
