"""Which URLs a webhook may be sent to, and the address it is sent to.

HTTPS only unless WEBHOOK_ALLOW_HTTP (development); no credentials in the
URL; and, unless WEBHOOK_ALLOW_PRIVATE_HOSTS, no host that resolves to an
address inside the issuer's network, so an endpoint cannot be used to
reach it. The check runs when an endpoint is saved and again before every
delivery (a name can be made to resolve elsewhere later).

DNS rebinding: a name may answer a public address to the check and a
loopback one a moment later to the connection. So a delivery resolves the
name once (`url_resolve_checked`), checks every address it got, and the
transport connects to the checked address itself (webhooks/transport.py),
keeping the name for the Host header, TLS SNI and certificate checks.

An address is internal when it is not globally routable (loopback,
private, link-local, shared, reserved, documentation, multicast, ...), and
an IPv6 address is also internal when it carries an internal IPv4 address
inside it: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d),
IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96), 6to4
(2002::/16). Local-use NAT64 (64:ff9b:1::/48) and Teredo (2001::/32) are
refused whatever they carry.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from issuer.kernel.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
_TEREDO = ipaddress.ip_network("2001::/32")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
INTERNAL_ADDRESS = "The URL's host resolves to an internal address."


class UrlRefused(InvalidInput):
    """A webhook URL this issuer will not send to."""


@dataclass(frozen=True)
class CheckedUrl:
    """A URL that passed the policy, with the addresses its host had then.

    `addresses` is empty when internal hosts are allowed (development): the
    transport then resolves the name itself.
    """

    url: str
    hostname: str
    port: int
    addresses: tuple[str, ...]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, by every known scheme."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    embedded = []
    if ip.ipv4_mapped is not None:
        embedded.append(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE or ip in _IPV4_TRANSLATED or ip in _NAT64:
        embedded.append(low32)
    if ip.sixtofour is not None:
        embedded.append(ip.sixtofour)
    if ip.teredo is not None:
        embedded.extend(ip.teredo)
    return embedded


def _is_internal_ipv4(ip: ipaddress.IPv4Address) -> bool:
    return not ip.is_global or ip.is_multicast or ip.is_unspecified


def address_is_internal(address: str) -> bool:
    """Whether `address` (IPv4 or IPv6 text) is inside, or carries one inside."""
    if "%" in address:  # a scoped (link-local) IPv6 address
        return True
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_internal_ipv4(ip)
    if ip in _NAT64_LOCAL_USE or ip in _TEREDO:
        return True
    if not ip.is_global or ip.is_multicast or ip.is_unspecified:
        return True
    return any(_is_internal_ipv4(inner) for inner in _embedded_ipv4(ip))


def _syntax_check(url: str, *, field: str) -> tuple[str, int]:
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise UrlRefused.for_field(field, "The URL must start with https://.")
    if not parts.hostname:
        raise UrlRefused.for_field(field, "The URL has no host.")
    if parts.username or parts.password:
        raise UrlRefused.for_field(field, "The URL must not carry credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UrlRefused.for_field(field, "The URL's port is not valid.") from None
    return parts.hostname, port


def _resolve(hostname: str, port: int) -> tuple[str, ...]:
    """Every address the name has now, in the resolver's order, once each."""
    infos = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def url_resolve_checked(url: str, *, field: str = "url") -> CheckedUrl:
    """Check the URL and resolve its host once; raise UrlRefused if any
    address is internal. Connect only to the addresses returned."""
    hostname, port = _syntax_check(url, field=field)
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return CheckedUrl(url=url, hostname=hostname, port=port, addresses=())
    try:
        addresses = _resolve(hostname, port)
    except (OSError, UnicodeError, ValueError):
        raise UrlRefused.for_field(field, "The URL's host does not resolve.") from None
    if not addresses:
        raise UrlRefused.for_field(field, "The URL's host does not resolve.")
    if any(address_is_internal(address) for address in addresses):
        raise UrlRefused.for_field(field, INTERNAL_ADDRESS)
    return CheckedUrl(url=url, hostname=hostname, port=port, addresses=addresses)


def url_check(url: str, *, field: str = "url") -> str:
    """Return the URL when events may be sent to it; raise UrlRefused if not."""
    return url_resolve_checked(url, field=field).url
