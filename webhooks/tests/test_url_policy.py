"""The webhook URL policy refuses internal addresses in every form, and a
delivery connects to the very address that was checked: a name that answers
a public address to the check and 127.0.0.1 to the connection (DNS
rebinding) never reaches loopback."""

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from webhooks.transport import pinned_request, post_signed
from webhooks.url_policy import (
    INTERNAL_ADDRESS,
    CheckedUrl,
    UrlRefused,
    address_is_internal,
    url_resolve_checked,
)

PUBLIC = "93.184.216.34"
REBINDING_NAME = "rebind.partner.example"

INTERNAL = [
    # The usual ranges.
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    # IPv4-mapped and IPv4-compatible forms of internal IPv4 addresses.
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "::10.0.0.1",
    "::a9fe:a9fe",
    # IPv4-translated (SIIT).
    "::ffff:0:127.0.0.1",
    "::ffff:0:a00:1",
    # NAT64 well-known prefix carrying internal IPv4; local-use NAT64 at all.
    "64:ff9b::127.0.0.1",
    "64:ff9b::a00:1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::c0a8:101",
    "64:ff9b:1::808:808",
    # 6to4 carrying internal IPv4.
    "2002:7f00:1::1",
    "2002:a00:1::",
    "2002:a9fe:a9fe::1",
    "2002:c0a8:101::",
    # Teredo, whatever it carries.
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:0:7f00:1::1",
]
PUBLIC_ADDRESSES = [
    PUBLIC,
    "8.8.8.8",
    "2606:4700:4700::1111",
    "2a00:1450:4001:82b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_in_every_form_are_refused(address):
    assert address_is_internal(address) is True


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses_are_allowed(address):
    assert address_is_internal(address) is False


@pytest.fixture
def policy_on(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    settings.WEBHOOK_ALLOW_HTTP = True


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:7f00:1::1", PUBLIC])
def test_a_name_with_any_internal_address_is_refused(policy_on, monkeypatch, address):
    """Every resolved address is checked: one internal among public ones is
    enough to refuse."""
    real = socket.getaddrinfo

    def resolver(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "mixed.partner.example":
            return real(host, port, *args, **kwargs)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 443)),
            (family, socket.SOCK_STREAM, 6, "", (address, 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)

    with pytest.raises(UrlRefused) as refused:
        url_resolve_checked("https://mixed.partner.example/hooks")

    assert refused.value.fields == {"url": [INTERNAL_ADDRESS]}


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A name that resolves to a public address the first time and to
    127.0.0.1 ever after; other names and IP literals resolve as usual.
    Yields the log of the name's look-ups."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolver(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != REBINDING_NAME:
            return real(host, port, *args, **kwargs)
        answer = PUBLIC if not lookups else "127.0.0.1"
        lookups.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    yield lookups


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket connection is opened to (the real connection
    is still made)."""
    real = socket.create_connection
    opened: list[Any] = []

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


def test_dns_rebinding_cannot_reach_loopback(
    policy_on, rebinding_dns, connections, receiver
):
    """Given a name that answers a public address at check time and
    127.0.0.1 afterwards, when a delivery is checked and sent, then the name
    was resolved once, the connection went to the checked public address,
    and the loopback receiver got nothing."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    url = f"http://{REBINDING_NAME}:{port}/hooks"

    target = url_resolve_checked(url)
    result = post_signed(target=target, body=b"{}", headers={}, timeout_seconds=1)

    assert target.addresses == (PUBLIC,)
    assert rebinding_dns == [PUBLIC]
    assert [tuple(address)[:2] for address in connections] == [(PUBLIC, port)]
    assert result.status_code is None
    assert receiver.requests == []


def test_without_pinning_the_same_name_reaches_loopback(
    policy_on, rebinding_dns, receiver
):
    """The control: checking the name and then letting the HTTP client
    resolve it again (the old transport) lands on 127.0.0.1."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    url = f"http://{REBINDING_NAME}:{port}/hooks"

    url_resolve_checked(url)
    response = httpx.post(url, content=b"{}", timeout=5, trust_env=False)

    assert response.status_code == 200
    assert rebinding_dns == [PUBLIC, "127.0.0.1"]
    assert len(receiver.requests) == 1


def test_https_is_pinned_to_the_ip_with_the_name_for_host_sni_and_certificate():
    target = CheckedUrl(
        url="https://hooks.partner.example:8443/in?x=1",
        hostname="hooks.partner.example",
        port=8443,
        addresses=("2606:4700:4700::1111", PUBLIC),
    )

    url, headers, extensions = pinned_request(target, {"Webhook-Id": "e1"})

    assert str(url) == "https://[2606:4700:4700::1111]:8443/in?x=1"
    assert headers == {"Webhook-Id": "e1", "Host": "hooks.partner.example:8443"}
    assert extensions == {"sni_hostname": "hooks.partner.example"}


def test_the_delivery_reaches_a_pinned_local_receiver_with_its_host_header(
    receiver,
):
    """A pinned POST arrives, carrying the name in its Host header."""
    port = int(receiver.url.rsplit(":", 1)[1].split("/")[0])
    target = CheckedUrl(
        url=f"http://hooks.partner.example:{port}/hooks",
        hostname="hooks.partner.example",
        port=port,
        addresses=("127.0.0.1",),
    )

    result = post_signed(target=target, body=b"{}", headers={}, timeout_seconds=5)

    assert result.status_code == 200
    [received] = receiver.requests
    assert received.headers["Host"] == f"hooks.partner.example:{port}"
