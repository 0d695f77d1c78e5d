"""Which URLs a webhook may be sent to.

HTTPS only unless WEBHOOK_ALLOW_HTTP (development); no credentials in the
URL; and, unless WEBHOOK_ALLOW_PRIVATE_HOSTS, no host that resolves to a
loopback, private, link-local or otherwise internal address, so an endpoint
cannot be used to reach the issuer's own network. The check runs when an
endpoint is saved and again before every delivery (a name can be made to
resolve elsewhere later).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from issuer.kernel.errors import InvalidInput


class UrlRefused(InvalidInput):
    """A webhook URL this issuer will not send to."""


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def url_check(url: str, *, field: str = "url") -> str:
    """Return the URL when events may be sent to it; raise UrlRefused if not."""
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise UrlRefused.for_field(field, "The URL must start with https://.")
    if not parts.hostname:
        raise UrlRefused.for_field(field, "The URL has no host.")
    if parts.username or parts.password:
        raise UrlRefused.for_field(field, "The URL must not carry credentials.")
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port)}
    except (OSError, ValueError):
        raise UrlRefused.for_field(field, "The URL's host does not resolve.") from None
    if any(_is_internal(str(address)) for address in addresses):
        raise UrlRefused.for_field(
            field, "The URL's host resolves to an internal address."
        )
    return url
