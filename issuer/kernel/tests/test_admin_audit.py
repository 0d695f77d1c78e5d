"""Every staff action in the admin lands in the audit trail, with its outcome
and, for changes, the old and new value of each field."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.admin.people import PartnerAdmin
from accounts.models import Partner, User
from accounts.roles import SUPPORT_AGENT
from accounts.tests.factories import credit_account_create_for_test
from accounts.tests.staff_auth import staff_login
from accounts.tests.statement_data import history_post, statement_create
from cards.models import Bin, Card
from cards.tests.factories import BinFactory
from fraud.models import BatchScoringJob
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action


def _only(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def _staff_actions() -> int:
    """Events other than sign-in ones (staff_login's own login is one)."""
    return AuditEvent.objects.exclude(action=Action.LOGIN_SUCCEEDED).count()


def test_adding_in_admin_records_the_new_object_and_its_values(
    admin_client, admin_user
):
    response = admin_client.post(
        "/admin/accounts/partner/add/",
        {"name": "Acme Acquiring", "kind": "acquirer", "is_active": "on"},
    )

    assert response.status_code == 302
    partner = Partner.objects.get()
    event = _only(Action.ADMIN_ADD)
    assert (event.actor, event.outcome) == (admin_user, "succeeded")
    assert (event.target_type, event.target_id, event.target_repr) == (
        "accounts.partner",
        str(partner.pk),
        "Acme Acquiring",
    )
    (added,) = event.details["objects"]
    assert added["change"] == "added"
    assert {
        name: value["new"]
        for name, value in added["fields"].items()
        if name in ("name", "kind", "is_active")
    } == {"name": "Acme Acquiring", "kind": "acquirer", "is_active": True}


def test_changing_in_admin_records_old_and_new_values_of_changed_fields(
    admin_client,
):
    partner = Partner.objects.create(name="Acme", kind="acquirer")

    admin_client.post(
        f"/admin/accounts/partner/{partner.pk}/change/",
        {"name": "Acme Acquiring", "kind": "acquirer"},  # is_active unticked
    )

    event = _only(Action.ADMIN_CHANGE)
    assert (event.outcome, event.target_id) == ("succeeded", str(partner.pk))
    assert event.details["objects"] == [
        {
            "type": "accounts.partner",
            "id": str(partner.pk),
            "repr": "Acme Acquiring",
            "change": "changed",
            "fields": {
                "name": {"old": "Acme", "new": "Acme Acquiring"},
                "is_active": {"old": True, "new": False},
            },
        }
    ]
    assert event.details["view"] == "accounts_partner_change"


def test_a_form_refused_by_the_rules_is_recorded_as_failed_with_its_errors(
    admin_client,
):
    BinFactory(prefix="411111")

    admin_client.post(
        "/admin/cards/bin/add/",
        {"prefix": "41111122", "network": "visa", "pan_length": 16, "currency": "USD"},
    )

    event = _only(Action.ADMIN_ADD)
    assert (event.outcome, event.target_type, event.target_id) == (
        "failed",
        "cards.bin",
        "",
    )
    assert event.details["status"] == 200
    assert any("overlaps existing BIN 411111" in e for e in event.details["errors"])
    assert Bin.objects.count() == 1


def test_deleting_in_admin_records_what_was_deleted(admin_client):
    partner = Partner.objects.create(name="Gone Ltd")

    admin_client.post(f"/admin/accounts/partner/{partner.pk}/delete/", {"post": "yes"})

    event = _only(Action.ADMIN_DELETE)
    assert (event.outcome, event.target_id, event.target_repr) == (
        "succeeded",
        str(partner.pk),
        "Gone Ltd",
    )
    assert not Partner.objects.exists()


def test_delete_selected_is_recorded_once_confirmed(admin_client):
    first, second = Partner.objects.create(name="A"), Partner.objects.create(name="B")
    form = {
        "action": "delete_selected",
        "index": 0,
        "_selected_action": [first.pk, second.pk],
    }

    admin_client.post("/admin/accounts/partner/", form)  # the confirmation page
    asked = _staff_actions()
    admin_client.post("/admin/accounts/partner/", {**form, "post": "yes"})

    assert asked == 0
    event = _only(Action.ADMIN_DELETE)
    assert event.details["admin_action"] == "delete_selected"
    assert event.details["selected"] == [str(first.pk), str(second.pk)]
    assert sorted(o["repr"] for o in event.details["objects"]) == ["A", "B"]
    assert {o["change"] for o in event.details["objects"]} == {"deleted"}


def test_an_admin_action_records_its_name_targets_and_messages(
    admin_client, issue_card
):
    card = issue_card().issued.card

    admin_client.post(
        "/admin/cards/card/",
        {"action": "freeze_cards", "index": 0, "_selected_action": [card.pk]},
    )

    event = _only(Action.ADMIN_ACTION)
    assert (event.outcome, event.target_type, event.target_id) == (
        "succeeded",
        "cards.card",
        str(card.pk),
    )
    assert event.details["admin_action"] == "freeze_cards"
    assert event.details["selected"] == [str(card.pk)]
    assert event.details["messages"] == ["1 card(s) frozen."]
    assert Card.objects.get(pk=card.pk).status == "frozen"


def test_an_action_that_only_warns_is_recorded_as_failed(admin_client):
    admin_client.post("/admin/cards/card/", {"action": "freeze_cards", "index": 0})

    event = _only(Action.ADMIN_ACTION)
    assert event.outcome == "failed"
    assert event.details["selected"] == []
    assert event.details["messages"] == [
        "Items must be selected in order to perform actions on them. "
        "No items have been changed."
    ]


def test_a_refused_action_is_recorded_as_denied(client):
    agent = User.objects.create_user(username="agent", password="x" * 12, is_staff=True)
    agent.groups.set([Group.objects.get(name=SUPPORT_AGENT)])
    staff_login(client, agent)

    response = client.post(
        "/admin/cards/bin/add/",
        {
            "prefix": "555555",
            "network": "mastercard",
            "pan_length": 16,
            "currency": "USD",
        },
    )

    assert response.status_code == 403
    event = _only(Action.ADMIN_ADD)
    assert (event.actor, event.outcome, event.target_type) == (
        agent,
        "denied",
        "cards.bin",
    )
    assert event.details["error"] == "PermissionDenied"
    assert not Bin.objects.exists()


def test_a_crash_rolls_back_the_change_and_is_recorded_as_failed(
    admin_client, monkeypatch
):
    """A change and its record commit together: a request that dies after
    saving keeps neither the change nor a success, only a failure."""
    partner = Partner.objects.create(name="Acme")

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the server died mid-request")

    monkeypatch.setattr(PartnerAdmin, "log_change", crash)
    with pytest.raises(RuntimeError):
        admin_client.post(
            f"/admin/accounts/partner/{partner.pk}/change/",
            {"name": "Renamed", "kind": "acquirer", "is_active": "on"},
        )

    assert Partner.objects.get(pk=partner.pk).name == "Acme"
    event = _only(Action.ADMIN_CHANGE)
    assert (event.outcome, event.target_id) == ("failed", str(partner.pk))
    assert event.details["error"] == "RuntimeError"
    # What it tried to do, though none of it stayed.
    assert "objects" not in event.details
    (attempted,) = event.details["attempted"]
    assert attempted["fields"]["name"] == {"old": "Acme", "new": "Renamed"}


def _user_change_form(user: User, **overrides: object) -> dict[str, object]:
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [],
        "user_permissions": [],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "09:00:00",
    } | overrides


def test_a_users_roles_and_flags_changed_in_admin_is_a_permission_change(
    admin_client, admin_user
):
    staff = User.objects.create_user(username="sam", password="x" * 12, is_staff=True)
    support = Group.objects.get(name=SUPPORT_AGENT)

    response = admin_client.post(
        f"/admin/accounts/user/{staff.pk}/change/",
        _user_change_form(staff, groups=[support.pk], is_superuser="on"),
    )

    assert response.status_code == 302
    change = _only(Action.PERMISSION_CHANGE)
    assert (change.actor, change.target_type, change.target_id) == (
        admin_user,
        "accounts.user",
        str(staff.pk),
    )
    assert change.details["before"] == {"groups": [], "is_superuser": False}
    assert change.details["after"] == {
        "groups": [SUPPORT_AGENT],
        "is_superuser": True,
    }
    edit = _only(Action.ADMIN_CHANGE)
    assert set(edit.details["objects"][0]["fields"]) >= {"groups", "is_superuser"}


def test_a_users_name_change_is_not_a_permission_change(admin_client):
    staff = User.objects.create_user(username="sam", password="x" * 12, is_staff=True)

    admin_client.post(
        f"/admin/accounts/user/{staff.pk}/change/",
        _user_change_form(staff, first_name="Sam"),
    )

    assert _only(Action.ADMIN_CHANGE).outcome == "succeeded"
    assert not AuditEvent.objects.filter(action=Action.PERMISSION_CHANGE).exists()


def test_a_groups_permissions_changed_in_admin_is_a_permission_change(admin_client):
    group = Group.objects.create(name="Auditors")
    view_bins = Permission.objects.get(codename="view_bin")

    admin_client.post(
        f"/admin/auth/group/{group.pk}/change/",
        {"name": "Auditors", "permissions": [view_bins.pk]},
    )

    change = _only(Action.PERMISSION_CHANGE)
    assert (change.target_type, change.target_repr) == ("auth.group", "Auditors")
    assert change.details["before"] == {"permissions": []}
    assert change.details["after"] == {"permissions": ["cards.view_bin"]}


def test_setting_a_password_in_admin_is_recorded_without_the_password(
    admin_client,
):
    staff = User.objects.create_user(username="sam", password="x" * 12, is_staff=True)
    new_password = "another-long-passphrase-77"

    admin_client.post(
        f"/admin/accounts/user/{staff.pk}/password/",
        {"password1": new_password, "password2": new_password},
    )

    event = _only(Action.PASSWORD_CHANGE)
    assert (event.outcome, event.target_type, event.target_id) == (
        "succeeded",
        "accounts.user",
        str(staff.pk),
    )
    stored = str(AuditEvent.objects.values().get(pk=event.pk))
    assert new_password not in stored
    staff.refresh_from_db()
    assert staff.check_password(new_password)
    assert staff.password not in stored


def test_a_download_from_the_admin_is_a_data_export(
    admin_client, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    job = BatchScoringJob.objects.create(
        upload=ContentFile(b"transaction_id\n", name="day.csv"),
        result=ContentFile(b"transaction_id,score\nt1,0.5\n", name="scored.csv"),
        status=BatchScoringJob.Status.DONE,
    )

    response = admin_client.get(f"/admin/fraud/batchscoringjob/{job.pk}/download/")

    assert response.status_code == 200
    event = _only(Action.DATA_EXPORT)
    assert (event.actor, event.outcome, event.target_type, event.target_id) == (
        admin_user,
        "succeeded",
        "fraud.batchscoringjob",
        str(job.pk),
    )
    assert event.details == {
        "view": "fraud_batchscoringjob_download",
        "filename": f"scored-{job.public_id}.csv",
        "content_type": "text/csv",
    }


def test_reading_pages_is_not_recorded(admin_client):
    admin_client.get("/admin/")
    admin_client.get("/admin/accounts/partner/")

    assert _staff_actions() == 0


def _inline_form_data(page) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The inline formsets' fields as the change page rendered them."""
    data: dict[str, object] = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for form in [formset.management_form, *formset.forms]:
            for bound in form:
                value = bound.value()
                if value is not None:
                    data[bound.html_name] = value
    return data


def test_a_card_change_records_its_controls_and_never_card_data(
    admin_client, issue_card
):
    issued = issue_card().issued
    url = f"/admin/cards/card/{issued.card.pk}/change/"
    page = admin_client.get(url)

    response = admin_client.post(
        url,
        {
            **_inline_form_data(page),
            "per_transaction_limit": "",
            "daily_limit": 20_000,
            "monthly_limit": "",
            "is_ecommerce_enabled": "on",
            "is_atm_enabled": "on",
            "is_contactless_enabled": "on",
            "blocked_mccs": "[]",
            "blocked_countries": "[]",
        },
    )

    assert response.status_code == 302
    event = _only(Action.ADMIN_CHANGE)
    assert event.outcome == "succeeded"
    (changed,) = event.details["objects"]
    assert changed["fields"]["daily_limit"]["new"] == 20_000
    stored = str(AuditEvent.objects.values().get(pk=event.pk))
    assert issued.pan not in stored
    assert issued.card.pan_fingerprint not in stored


def test_a_statement_download_is_a_data_export(staff_client, make_staff):
    account = credit_account_create_for_test(credit_limit=500_000)
    history_post(account)
    statement = statement_create(account)
    agent = make_staff("statements-desk", SUPPORT_AGENT)
    client = staff_client(agent)
    url = reverse(
        "admin:accounts_statement_document",
        kwargs={"statement_id": statement.pk, "fmt": "csv"},
    )

    page = client.get(url.replace(".csv", ".html"))
    download = client.get(url)

    assert (page.status_code, download.status_code) == (200, 200)
    event = _only(Action.DATA_EXPORT)  # the page itself is no export
    assert (event.actor, event.target_type, event.target_id) == (
        agent,
        "accounts.statement",
        str(statement.pk),
    )
    assert event.details["filename"] == (
        f"statement-{account.public_id}-2026-02-01.csv"
    )
