"""`/metrics` (Prometheus), for the scraper only.

METRICS_TOKEN: the scraper sends `Authorization: Bearer <token>`.
METRICS_ALLOWED_IPS: client addresses or networks (CIDR) that may read it,
matched against REMOTE_ADDR (the connection's address, not a header a
client could forge). With either set, a request passing either is served;
with neither set (development only: production refuses to start so) the
page is public. A refusal is 403 and says nothing about the metrics.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(entry.strip(), strict=False)
        for entry in settings.METRICS_ALLOWED_IPS
        if entry.strip()
    ]


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and (hmac.compare_digest(given.strip().encode(), token.encode()))
    )


def _from_allowed_address(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks())


def metrics_is_allowed(request: HttpRequest) -> bool:
    """Whether this request may read the metrics."""
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        return True
    return _has_token(request) or _from_allowed_address(request)


def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_is_allowed(request):
        return HttpResponse(
            "Forbidden.\n", status=403, content_type="text/plain; charset=utf-8"
        )
    return ExportToDjangoView(request)
