"""`/metrics` is not public in production: production.py refuses to start
without METRICS_TOKEN or METRICS_ALLOWED_IPS, and with them set only the
bearer token or an allowed address reads the metrics. Settings are read
from production.py itself, as the security-header tests do."""

import base64
import importlib.util
import secrets
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

pytestmark = pytest.mark.django_db

PRODUCTION = Path(django_settings.BASE_DIR) / "issuer" / "settings" / "production.py"
TOKEN = secrets.token_urlsafe(32)
METRIC = b"django_http_requests_total_by_method_total"


def _production(monkeypatch: pytest.MonkeyPatch, **metrics_env: str) -> ModuleType:
    """production.py loaded with real-looking keys and the given METRICS_*."""
    keys = [base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(4)]
    monkeypatch.setenv("CARD_DATA_KEYS", f"k1:{keys[0]}")
    monkeypatch.setenv("CARD_FINGERPRINT_KEY", keys[1])
    monkeypatch.setenv("CARD_CVV_KEY", keys[2])
    monkeypatch.setenv("IDEMPOTENCY_FINGERPRINT_KEYS", f"i1:{keys[3]}")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/14")
    for name in ("METRICS_TOKEN", "METRICS_ALLOWED_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in metrics_env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("production_probe", PRODUCTION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _use(settings, module: ModuleType) -> None:
    settings.METRICS_TOKEN = module.METRICS_TOKEN
    settings.METRICS_ALLOWED_IPS = module.METRICS_ALLOWED_IPS


def test_production_refuses_to_start_with_public_metrics(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="METRICS_TOKEN"):
        _production(monkeypatch)


def test_production_requires_the_redis_cache_and_fingerprint_keys(monkeypatch):
    """The shared cache is Redis in production; the fingerprint keys have no
    default there."""
    module = _production(monkeypatch, METRICS_TOKEN=TOKEN)
    assert (
        module.CACHES["default"]["BACKEND"] == "issuer.kernel.cache.PrefixedRedisCache"
    )
    assert module.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/14"

    monkeypatch.delenv("IDEMPOTENCY_FINGERPRINT_KEYS")
    spec = importlib.util.spec_from_file_location("production_probe", PRODUCTION)
    assert spec is not None and spec.loader is not None
    with pytest.raises(ImproperlyConfigured, match="IDEMPOTENCY_FINGERPRINT_KEYS"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_with_a_token_only_the_bearer_reads_the_metrics(monkeypatch, settings, client):
    _use(settings, _production(monkeypatch, METRICS_TOKEN=TOKEN))

    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    basic = client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")
    bearer = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert [anonymous.status_code, wrong.status_code, basic.status_code] == [403] * 3
    assert METRIC not in anonymous.content
    assert bearer.status_code == 200
    assert METRIC in bearer.content


@pytest.mark.parametrize(
    ("remote_addr", "status"),
    [
        ("10.20.30.40", 200),
        ("10.20.31.1", 403),
        ("::ffff:10.20.30.40", 200),
        ("192.168.1.5", 200),
        ("127.0.0.1", 403),
        ("2001:db8::1", 403),
    ],
)
def test_with_an_allow_list_only_those_addresses_read_the_metrics(
    monkeypatch, settings, client, remote_addr, status
):
    _use(
        settings,
        _production(monkeypatch, METRICS_ALLOWED_IPS="10.20.30.0/24,192.168.1.5"),
    )

    response = client.get(
        "/metrics", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR="10.20.30.40"
    )

    assert response.status_code == status


def test_a_forwarded_header_does_not_pass_the_allow_list(monkeypatch, settings, client):
    _use(settings, _production(monkeypatch, METRICS_ALLOWED_IPS="10.20.30.0/24"))

    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.20.30.40"
    )

    assert response.status_code == 403
