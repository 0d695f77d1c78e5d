"""The platform itself: database engine, health, docs, metrics, deploy checks."""

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def test_the_configured_database_engine_is_the_one_running():
    """SQLite by default; MySQL/MariaDB when DATABASE_URL says so (CI demands it)."""
    url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
    expected = "mysql" if url.startswith(("mysql", "mariadb")) else "sqlite"

    assert connection.vendor == expected
    required = os.environ.get("REQUIRE_DB_VENDOR")
    if required:
        assert connection.vendor == required


@pytest.mark.django_db
def test_mysql_sessions_run_read_committed_and_strict():
    if connection.vendor != "mysql":
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.tx_isolation, @@SESSION.sql_mode")
        isolation, sql_mode = cursor.fetchone()

    assert isolation == "READ-COMMITTED"
    assert "STRICT_TRANS_TABLES" in sql_mode


@pytest.mark.django_db
def test_healthz_names_each_dependency(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"state": "ok", "vendor": connection.vendor}
    assert set(body) >= {"broker", "workers"}


def test_api_schema_and_docs_render(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert b"ApiKeyAuth" in schema.content
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn.jsdelivr" not in docs.content


@pytest.mark.django_db
def test_metrics_exposes_prometheus_counters(client):
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content


@pytest.mark.django_db
def test_staff_roles_exist_as_groups():
    from django.contrib.auth.models import Group

    from accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES

    assert set(Group.objects.values_list("name", flat=True)) >= set(STAFF_ROLES)
    admin_role = Group.objects.get(name="Program admin")
    granted = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in admin_role.permissions.select_related("content_type")
    }
    assert "accounts.add_partner" in granted
    assert granted <= set(ROLE_PERMISSIONS["Program admin"])


def _card_data_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


PRODUCTION_CARD_DATA_KEYS = (
    "CARD_DATA_KEYS",
    "CARD_FINGERPRINT_KEY",
    "CARD_CVV_KEY",
    "IDEMPOTENCY_FINGERPRINT_KEYS",
)


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "issuer.settings.production",
        "SECRET_KEY": "p" * 20 + "-a-long-random-production-secret-" + "q" * 20,
        "ALLOWED_HOSTS": "issuer.example",
        "CARD_DATA_KEYS": f"k1:{_card_data_key()}",
        "CARD_FINGERPRINT_KEY": _card_data_key(),
        "CARD_CVV_KEY": _card_data_key(),
        "IDEMPOTENCY_FINGERPRINT_KEYS": f"i1:{_card_data_key()}",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "issuer.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", PRODUCTION_CARD_DATA_KEYS)
def test_production_settings_refuse_to_start_without_card_data_keys(missing):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "issuer.settings.production",
        "SECRET_KEY": "p" * 20 + "-a-long-random-production-secret-" + "q" * 20,
        "CARD_DATA_KEYS": f"k1:{_card_data_key()}",
        "CARD_FINGERPRINT_KEY": _card_data_key(),
        "CARD_CVV_KEY": _card_data_key(),
        "IDEMPOTENCY_FINGERPRINT_KEYS": f"i1:{_card_data_key()}",
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }
    del env[missing]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert missing in result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    settings_source = "".join(
        path.read_text() for path in (ROOT / "issuer" / "settings").glob("*.py")
    )
    example = (ROOT / ".env.example").read_text()

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - listed == set()


def _env_example_values() -> dict[str, str]:
    """The variables `.env.example` sets (not the commented ones)."""
    example = (ROOT / ".env.example").read_text()
    return dict(re.findall(r"^([A-Z_]+)=(.*)$", example, flags=re.MULTILINE))


def test_a_copied_env_example_runs_manage_py_locally_in_the_sandbox():
    """Given only .env.example's values (empty ones included) in the
    environment, as a copied `.env` gives them, when manage.py runs, then it
    starts on SQLite with sandbox and debug on and emails going to files."""
    values = _env_example_values()
    assert values["DATABASE_URL"] == ""
    listed = set(
        re.findall(
            r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE
        )
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in listed and name != "DJANGO_SETTINGS_MODULE"
    }
    env.update(values)
    show = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.SANDBOX, s.DEBUG,"
        " s.EMAIL_BACKEND.rsplit('.', 2)[1], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.WEBHOOK_ALLOW_HTTP)"
    )

    check = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert check.returncode == 0, check.stderr
    assert shown.stdout.splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "True",
        "True",
        "filebased",
        "True",
        "True",
    ], shown.stderr


def test_an_empty_variable_means_unset():
    """`DATABASE_URL=` in the environment gives the default, not an error."""
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "SANDBOX": "",
        "DJANGO_SETTINGS_MODULE": "issuer.settings.local",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.SANDBOX)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert shown.stdout.splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "True",
    ], shown.stderr
