"""credit_account_autopay_set: the autopay choice, validated and recorded."""

import pytest

from accounts.models import CreditAccount
from accounts.services.payments import credit_account_autopay_set
from accounts.tests.factories import credit_account_create_for_test
from issuer.kernel.errors import InvalidInput
from issuer.kernel.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_autopay_is_set_and_announced():
    account = credit_account_create_for_test()

    credit_account_autopay_set(account=account, autopay="minimum")

    account.refresh_from_db()
    assert account.autopay == CreditAccount.Autopay.MINIMUM
    event = OutboxEvent.objects.get(type="account.autopay_changed")
    assert event.payload == {"account_id": str(account.public_id), "autopay": "minimum"}


def test_setting_the_same_choice_again_announces_nothing():
    account = credit_account_create_for_test()

    credit_account_autopay_set(account=account, autopay="off")

    assert not OutboxEvent.objects.filter(type="account.autopay_changed").exists()


def test_an_unknown_choice_is_refused():
    account = credit_account_create_for_test()

    with pytest.raises(InvalidInput):
        credit_account_autopay_set(account=account, autopay="weekly")

    account.refresh_from_db()
    assert account.autopay == CreditAccount.Autopay.OFF
