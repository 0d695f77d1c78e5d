"""The ledger admin shows everything and lets nobody change anything."""

import pytest
from django.urls import reverse

from accounts.tests.factories import credit_account_create_for_test
from accounts.tests.staff_auth import staff_login
from ledger.models import JournalEntry, LedgerAccount, LedgerHold


@pytest.fixture
def superuser_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "r@x.test", "pw")
    staff_login(client, user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("model", [LedgerAccount, JournalEntry, LedgerHold])
def test_ledger_admin_lists_but_never_adds(superuser_client, model):
    credit_account_create_for_test()
    opts = model._meta

    listing = superuser_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    )
    adding = superuser_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    )

    assert listing.status_code == 200
    assert adding.status_code == 403


@pytest.mark.django_db
def test_an_account_page_shows_balances_but_no_save_button(superuser_client):
    account = credit_account_create_for_test(credit_limit=12_345)

    page = superuser_client.get(
        reverse("admin:ledger_ledgeraccount_change", args=[account.receivable_id])
    )

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    listing = superuser_client.get(reverse("admin:accounts_creditaccount_changelist"))
    assert b"123.45" in listing.content
