"""After a demo session, no card number or CVV is anywhere but in the
encrypted PAN column.

The session is `make demo`'s, shortened: seed_demo, an active fraud model,
live simulated traffic through the partner API of a live server (with the
simulator's feedback: alerts answered, cases decided, chargebacks), the
events worked off by a real Celery worker on Redis, a billing run, partner
captures, refunds and reversals, the cardholders' portal (a card reveal
included) and the staff admin and dashboards. Then the scanner reads every
column of every table, every key of the test's Redis database, the logs
(this process's and the worker's), the media files, and every page and API
answer fetched. Only the card-reveal page itself shows a number, to its
cardholder, by design: it is not scanned.
"""

import datetime
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import redis
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Cardholder, User
from accounts.roles import roles_sync
from accounts.tests.pdf_text import pdf_text_lines
from cards.card_data_scan import CardDataScanner, Finding, card_secrets_all
from cards.models import Authorization, Capture
from fraud.live_traffic import simulator_api_key
from fraud.models import FraudScore
from fraud.tests.conftest import ACTIVE_WEIGHTS, register_model

pytestmark = [
    pytest.mark.worker,
    # The dashboards' panels read on the replica (the test mirror).
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

ROOT = Path(__file__).resolve().parents[2]
PORTAL_PAGES = [
    "/portal/",
    "/portal/cards/",
    "/portal/transactions/",
    "/portal/disputes/",
    "/portal/alerts/",
    "/portal/statements/",
    "/portal/payments/",
    "/portal/credit-score/",
    "/portal/notifications/",
    "/portal/notifications/settings/",
    "/portal/security/",
]


class Fetched:
    """Every page and API answer of the session, by path, as text."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def keep(self, where: str, response: Any) -> Any:
        assert response.status_code < 500, where
        content = (
            b"".join(response.streaming_content)
            if response.streaming
            else (response.content)
        )
        if content.startswith(b"%PDF"):
            text = "\n".join(pdf_text_lines(content))
        else:
            text = content.decode("utf-8", "replace")
        self.texts[where] = text
        return response


def _worker_settles(since: Any, timeout: float = 90) -> int:
    """Wait until the worker scored every approval since `since`."""
    deadline = time.monotonic() + timeout
    while True:
        approved = Authorization.objects.filter(
            created_at__gte=since, status=Authorization.Status.APPROVED
        )
        unscored = approved.exclude(
            pk__in=FraudScore.objects.values("authorization_id")
        ).count()
        if unscored == 0 or time.monotonic() > deadline:
            assert unscored == 0, f"{unscored} approvals never scored"
            return approved.count()
        time.sleep(0.5)
        connection.close()


def _partner_flows(fetched: Fetched) -> None:
    """Capture, reverse and refund some of the simulator's approvals, and
    read every object back, as the simulator's partner."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {simulator_api_key()}")
    approved = list(
        Authorization.objects.filter(
            status=Authorization.Status.APPROVED, partner__isnull=False
        ).order_by("pk")[:6]
    )
    assert len(approved) == 6
    for number, authorization in enumerate(approved):
        path = f"/api/v1/authorizations/{authorization.public_id}"
        if number % 3 == 0:
            fetched.keep(f"{path}/capture", client.post(f"{path}/capture", {}, "json"))
            fetched.keep(
                "/api/v1/refunds",
                client.post(
                    "/api/v1/refunds",
                    {
                        "authorization_id": str(authorization.public_id),
                        "amount": 1,
                        "currency": authorization.currency,
                    },
                    "json",
                ),
            )
        elif number % 3 == 1:
            fetched.keep(f"{path}/reverse", client.post(f"{path}/reverse", {}, "json"))
        fetched.keep(path, client.get(path))
        account = authorization.account
        for suffix in ("", "/statements", "/disputes"):
            where = f"/api/v1/accounts/{account.public_id}{suffix}"
            fetched.keep(where, client.get(where))
    for path in ("/api/v1/cards", "/api/v1/cardholders", "/api/schema/", "/healthz"):
        fetched.keep(path, client.get(path))
    assert Capture.objects.filter(authorization__in=approved).count() >= 2


def _portal(fetched: Fetched) -> None:
    """Every portal page of every demo cardholder, a card reveal included."""
    for cardholder in Cardholder.objects.filter(user__isnull=False):
        client = Client()
        client.force_login(cardholder.user)
        pages = list(PORTAL_PAGES)
        for account in cardholder.credit_accounts.all():
            pages.append(f"/portal/accounts/{account.public_id}/pay/")
            for card in account.cards.all():
                pages += [
                    f"/portal/cards/{card.public_id}/",
                    f"/portal/cards/{card.public_id}/reveal/",
                ]
            for statement in account.statements.all():
                base = f"/portal/statements/{statement.public_id}/"
                pages += [base, f"{base}statement.pdf", f"{base}statement.csv"]
        for path in pages:
            fetched.keep(f"portal {cardholder.user.username} {path}", client.get(path))
        card = cardholder.credit_accounts.first().cards.first()
        # The reveal is audited: the audit row is scanned, not the page.
        shown = client.post(
            f"/portal/cards/{card.public_id}/reveal/",
            {"password": settings.DEMO_PASSWORD},
            follow=True,
        )
        assert shown.status_code == 200


def _staff(fetched: Fetched) -> None:
    """Every admin list and one change page of each, and the dashboards."""
    from accounts.tests.staff_auth import staff_login

    superuser = User.objects.create_superuser("scan-admin", "scan@example.com")
    client = Client()
    staff_login(client, superuser)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        try:
            changelist = reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:
            continue
        fetched.keep(changelist, client.get(changelist))
        first = model_admin.get_queryset(_request(superuser)).first()
        if first is not None:
            change = reverse("admin:{}_{}_change".format(*info), args=[first.pk])
            fetched.keep(change, client.get(change))
    for path in (
        "/admin/",
        "/staff/dashboards/",
        "/staff/dashboards/data/",
        "/staff/dashboards/models/data/",
        "/staff/dashboards/impact/data/",
        "/metrics",
    ):
        fetched.keep(path, client.get(path))


def _request(user: User) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_a_demo_session_leaves_card_data_only_in_the_encrypted_column(
    worker_media_root, celery_worker, live_server, caplog
):
    caplog.set_level("DEBUG")
    started = time.time()
    output = StringIO()
    roles_sync(apps)  # an earlier transactional test flushed the role groups
    call_command("seed_demo", stdout=output)
    register_model(weights=ACTIVE_WEIGHTS, status="active")
    since = timezone.now()

    call_command(
        "simulate",
        "--live",
        "--url",
        live_server.url,
        "--rate",
        "8",
        "--duration",
        "6",
        "--cards",
        "12",
        "--feedback",
        "--feedback-delay",
        "1",
        "--seed",
        "3",
        stdout=output,
        stderr=output,
    )
    approvals = _worker_settles(since)
    yesterday = timezone.now().date() - datetime.timedelta(days=1)  # ended (UTC)
    call_command("close_statements", "--as-of", yesterday.isoformat(), stdout=output)
    fetched = Fetched()
    _partner_flows(fetched)
    _portal(fetched)
    _staff(fetched)
    _worker_settles(since)

    scanner = CardDataScanner(card_secrets_all())
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    worker_logs = [
        path
        for path in (ROOT / "var").glob("celery-worker-*.log")
        if path.stat().st_mtime >= started
    ]
    findings: list[Finding] = [
        *scanner.scan_database(),
        *scanner.scan_redis(broker),
        *scanner.scan_files([*worker_logs, Path(worker_media_root)]),
        *scanner.scan_text(caplog.text, where="this process's logs"),
        *scanner.scan_text(output.getvalue(), where="the commands' output"),
    ]
    for where, text in fetched.texts.items():
        findings += scanner.scan_text(text, where=where)

    assert [str(finding) for finding in findings] == []
    # The session did what a demo does, and the scan saw it.
    assert (
        len(scanner.cards) >= 12 + Cardholder.objects.filter(user__isnull=False).count()
    )
    assert approvals >= 10
    assert worker_logs
    assert len(fetched.texts) >= 100
    assert broker.dbsize() > 0
