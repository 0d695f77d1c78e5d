"""No PAN or CVV in logs, outbox payloads, task messages or error bodies."""

import json
import logging

import pytest
from celery.app.task import Task

from cards.services.lifecycle import SYSTEM, card_replace
from cards.tests.conftest import authorization_body
from issuer.kernel.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_a_full_card_journey_leaves_no_card_data_behind(
    partner_client, test_card, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    sent_messages = []
    original_apply_async = Task.apply_async

    def recording_apply_async(self, args=None, kwargs=None, **options):
        sent_messages.append(json.dumps({"args": args, "kwargs": kwargs}, default=str))
        return original_apply_async(self, args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording_apply_async)
    pan, cvv = test_card.issued.pan, test_card.cvv
    wrong_cvv = "000" if cvv != "000" else "111"
    caplog.set_level(logging.DEBUG)

    bodies = []
    journey = django_capture_on_commit_callbacks(execute=True)
    journey.__enter__()
    approved = partner_client.post(
        "/api/v1/authorizations", authorization_body(test_card), format="json"
    )
    bodies.append(approved.content.decode())
    for overrides in ({"cvv": wrong_cvv}, {"amount": -1}, {"pan": pan + "9"}):
        bodies.append(
            partner_client.post(
                "/api/v1/authorizations",
                authorization_body(test_card, **overrides),
                format="json",
            ).content.decode()
        )
    authorization_id = approved.json()["id"]
    bodies.append(
        partner_client.post(
            f"/api/v1/authorizations/{authorization_id}/capture", {}, format="json"
        ).content.decode()
    )
    bodies.append(
        partner_client.post(
            "/api/v1/refunds",
            {
                "pan": pan,
                "merchant": {"id": "m", "name": "n", "mcc": "5411", "country": "US"},
                "amount": 10,
                "currency": "USD",
            },
            format="json",
        ).content.decode()
    )
    replacement = card_replace(
        card=test_card.issued.card, reason="stolen", actor=SYSTEM
    )
    journey.__exit__(None, None, None)

    payloads = [json.dumps(e.payload) for e in OutboxEvent.objects.all()]
    assert len(payloads) >= 6
    assert len(sent_messages) >= 6
    haystacks = {
        "logs": caplog.text,
        "outbox": "\n".join(payloads),
        "task messages": "\n".join(sent_messages),
        "response bodies": "\n".join(bodies),
    }
    for where, text in haystacks.items():
        assert pan not in text, where
        assert replacement.pan not in text, where
        assert f'"{cvv}"' not in text, where
        assert f"cvv={cvv}" not in text, where
