"""Each staff role can do exactly its part of the admin; everything else is refused.

The expected matrix is written out here by hand (not read from
`accounts.roles`), so a change to the roles that grants or drops an ability
fails this test until the matrix below agrees. Pages are refused with 403;
actions a role may not take are not offered and change nothing.
"""

import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    CreditDecision,
    CreditLimitProposal,
    PortalActivationCode,
    User,
)
from accounts.roles import (
    ACCESS_ADMIN,
    CREDIT_OFFICER,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    PROGRAM_ADMIN,
    SUPPORT_AGENT,
)
from accounts.services.credit_decisions import credit_limit_proposal_create
from accounts.services.partners import partner_create
from accounts.services.payments import credit_account_payment_post
from accounts.tests.staff_auth import staff_device
from cards.models import Card, Dispute
from cards.services.disputes import dispute_file, dispute_submit
from cards.tests.conftest import cleared_capture
from fraud.dashboards.models import ImpactAssumptions
from fraud.models import ModelVersion, ReviewCase, Rule
from fraud.services.live import authorization_score
from fraud.services.rules import rule_create
from fraud.tests.conftest import ACTIVE_WEIGHTS, authorize, register_model
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.tests.conftest import failed_delivery_create

pytestmark = pytest.mark.django_db

SA, FA, FS, CO, PA, AA = (
    SUPPORT_AGENT,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    CREDIT_OFFICER,
    PROGRAM_ADMIN,
    ACCESS_ADMIN,
)
NO_ROLE = "Staff without a role"
ROLES = (SA, FA, FS, CO, PA, AA, NO_ROLE)

# Changelists: who may open them.
PAGES: dict[str, set[str]] = {
    "accounts/user": {PA, AA},
    "accounts/partner": {PA},
    "accounts/partnerapikey": {PA},
    "accounts/cardholder": {SA, FA, FS, CO},
    "accounts/creditaccount": {SA, CO},
    "accounts/creditlimitproposal": {CO},
    "accounts/creditdecision": {CO},
    "accounts/payment": {SA, CO},
    "accounts/statement": {SA, CO},
    "cards/bin": {PA},
    "cards/cardproduct": {PA},
    "cards/velocityrule": {PA},
    "cards/card": {SA, FA, FS},
    "cards/authorization": {SA, FA, FS},
    "cards/capture": {SA},
    "cards/refund": {SA},
    "cards/dispute": {SA, FS, CO},
    "fraud/reviewcase": {FA, FS},
    "fraud/rule": {FA, FS},
    "fraud/rulehit": {FA, FS},
    "fraud/modelversion": {FS},
    "fraud/batchscoringjob": {FS},
    "fraud/historicaltransaction": {FS},
    "ledger/ledgeraccount": {PA},
    "ledger/journalentry": {PA},
    "ledger/ledgerhold": {PA},
    "kernel/auditevent": {FS, PA, AA},
    "otp_totp/totpdevice": {PA, AA},
    "axes/accessattempt": {PA, AA},
    "webhooks/webhookendpoint": {SA, PA},
    "webhooks/webhookdelivery": {SA, PA},
}

# Add forms: who may create.
ADDS: dict[str, set[str]] = {
    "accounts/user": {PA},
    "accounts/partner": {PA},
    "cards/bin": {PA},
    "cards/cardproduct": {PA},
    "cards/velocityrule": {PA},
    "fraud/rule": {FS},
    "fraud/batchscoringjob": {FS},
    "webhooks/webhookendpoint": {PA},
}


class World:
    """What the actions act on; each action makes its own objects."""

    def __init__(self, issue_card, make_staff, user) -> None:
        self.issue_card = issue_card
        self.make_staff = make_staff
        self.analyst = make_staff("matrix-analyst", FA)
        self.user = user  # the signed-in staff member

    def staff_member(self, role: str = SA) -> User:
        """Another staff member, holding `role`."""
        return self.make_staff(f"matrix-member-{uuid.uuid4().hex[:8]}", role)

    def card(self) -> Card:
        return Card.objects.get(pk=self.issue_card().issued.card.pk)

    def case(self, **changes) -> ReviewCase:
        sandbox = self.issue_card()
        authorization = authorize(sandbox, 4_500)
        authorization_score(authorization=authorization)
        case = ReviewCase.objects.get(authorization=authorization)
        if changes:
            ReviewCase.objects.filter(pk=case.pk).update(**changes)
            case.refresh_from_db()
        return case

    def dispute(self, *, submitted: bool = False) -> Dispute:
        capture = cleared_capture(self.issue_card(), 2_000)
        dispute = dispute_file(
            capture=capture,
            amount=2_000,
            reason="not_received",
            description="Never arrived.",
            now=capture.created_at,
        )
        if submitted:
            dispute_submit(dispute=dispute)
        return dispute

    def webhook_delivery(self) -> WebhookDelivery:
        partner, _ = partner_create(
            name=f"hooks-{uuid.uuid4().hex[:6]}", scopes=["webhooks"]
        )
        return failed_delivery_create(partner=partner)

    def proposal(self) -> CreditLimitProposal:
        account = self.issue_card().issued.card.account
        return credit_limit_proposal_create(
            account=account, proposed_limit=150_000, reasons=["On-time payments"]
        )


def _action(client: Client, changelist: str, action: str, pks, **fields) -> None:
    url = f"/admin/{changelist}/"
    selection = {"action": action, "_selected_action": list(pks)}
    client.post(url, selection)
    client.post(url, {**selection, "apply": "1", **fields})


def _freeze(client: Client, world: World) -> bool:
    card = world.card()
    _action(client, "cards/card", "freeze_cards", [card.pk])
    card.refresh_from_db()
    return card.status == "frozen"


def _unfreeze(client: Client, world: World) -> bool:
    card = world.card()
    Card.objects.filter(pk=card.pk).update(status="frozen", block_owner="cardholder")
    _action(
        client, "cards/card", "unfreeze_cards", [card.pk], note="Cardholder called."
    )
    card.refresh_from_db()
    return card.status == "active"


def _replace(client: Client, world: World) -> bool:
    card = world.card()
    _action(client, "cards/card", "replace_cards", [card.pk])
    card.refresh_from_db()
    return card.status == "closed"


def _activate_model(client: Client, world: World) -> bool:
    version = register_model(weights=ACTIVE_WEIGHTS)  # cases still open after it
    _action(client, "fraud/modelversion", "activate", [version.pk])
    version.refresh_from_db()
    return version.status == ModelVersion.Status.ACTIVE


def _manage_rules(client: Client, world: World) -> bool:
    rule = rule_create(
        name="matrix rule",
        conditions=[{"feature": "amount", "operator": ">=", "threshold": 900}],
        action="flag",
        mode="shadow",
        created_by=world.analyst,
    )
    _action(client, "fraud/rule", "make_active", [rule.pk])
    rule.refresh_from_db()
    return rule.mode == Rule.Mode.ACTIVE


def _claim(client: Client, world: World) -> bool:
    case = world.case()
    response = client.post(reverse("admin:fraud_reviewcase_claim_next"))
    case.refresh_from_db()
    return response.status_code == 302 and case.assigned_to_id is not None


def _decide_case(client: Client, world: World) -> bool:
    case = world.case()
    client.post(
        reverse("admin:fraud_reviewcase_change", args=[case.pk]),
        {"outcome": "legitimate", "outcome_reason": "Known traveller"},
    )
    case.refresh_from_db()
    return case.status == "closed"


def _bulk_close(client: Client, world: World) -> bool:
    case = world.case()
    _action(client, "fraud/reviewcase", "close_as_legitimate", [case.pk], reason="Fine")
    case.refresh_from_db()
    return case.status == "closed"


def _escalate(client: Client, world: World) -> bool:
    case = world.case()
    _action(client, "fraud/reviewcase", "escalate_cases", [case.pk], reason="Unsure")
    case.refresh_from_db()
    return case.is_escalated


def _assign(client: Client, world: World) -> bool:
    case = world.case()
    _action(
        client,
        "fraud/reviewcase",
        "assign_cases",
        [case.pk],
        analyst=world.analyst.pk,
    )
    case.refresh_from_db()
    return case.assigned_to_id == world.analyst.pk


def _reopen(client: Client, world: World) -> bool:
    case = world.case(status="closed", outcome="inconclusive", outcome_reason="-")
    _action(client, "fraud/reviewcase", "reopen_cases", [case.pk], reason="New facts")
    case.refresh_from_db()
    return case.status == "open"


def _decide_credit(client: Client, world: World) -> bool:
    proposal = world.proposal()
    client.post(
        reverse("admin:accounts_creditlimitproposal_change", args=[proposal.pk]),
        {"decision": "approve", "reason": "Good payer"},
    )
    return CreditDecision.objects.filter(proposal=proposal).exists()


def _bulk_decide_credit(client: Client, world: World) -> bool:
    proposal = world.proposal()
    _action(
        client,
        "accounts/creditlimitproposal",
        "reject_proposals",
        [proposal.pk],
        reason="Not now",
    )
    return CreditDecision.objects.filter(proposal=proposal).exists()


def _return_payment(client: Client, world: World) -> bool:
    account = world.issue_card().issued.card.account
    payment = credit_account_payment_post(
        account=account, amount=1_000, idempotency_key=f"matrix:{account.pk}"
    )
    _action(client, "accounts/payment", "return_payments", [payment.pk], reason="R01")
    payment.refresh_from_db()
    return payment.status == "returned"


def _record_payment(client: Client, world: World) -> bool:
    account = world.issue_card().issued.card.account
    _action(
        client,
        "accounts/creditaccount",
        "record_payment",
        [account.pk],
        amount="12.50",
        reference=f"matrix-{account.pk}",
    )
    return account.payments.filter(amount=1_250, source="admin").exists()


def _see_dashboards(client: Client, world: World) -> bool:
    return client.get(reverse("dashboards:overview-data")).status_code == 200


def _change_impact_assumptions(client: Client, world: World) -> bool:
    ImpactAssumptions.objects.get_or_create(pk=1)
    client.post(
        reverse("admin:dashboards_impactassumptions_change", args=[1]),
        {
            "currency": "USD",
            "review_cost_per_case": 2_000,
            "false_positive_cost": 500,
            "chargeback_recovery_basis_points": 2_500,
        },
    )
    return ImpactAssumptions.objects.get(pk=1).review_cost_per_case == 2_000


def _replay_webhook(client: Client, world: World) -> bool:
    delivery = world.webhook_delivery()
    _action(client, "webhooks/webhookdelivery", "replay_deliveries", [delivery.pk])
    delivery.refresh_from_db()
    return delivery.status == "pending"


def _enable_webhook_endpoint(client: Client, world: World) -> bool:
    endpoint = world.webhook_delivery().endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="disabled")
    _action(client, "webhooks/webhookendpoint", "enable_endpoints", [endpoint.pk])
    endpoint.refresh_from_db()
    return endpoint.status == "enabled"


def _dispute_step(
    client: Client, world: World, action: str, expected: str, submitted: bool
) -> bool:
    dispute = world.dispute(submitted=submitted)
    _action(client, "cards/dispute", action, [dispute.pk], note="Per the network")
    dispute.refresh_from_db()
    return dispute.status == expected


def _submit_dispute(client: Client, world: World) -> bool:
    return _dispute_step(client, world, "submit_disputes", "submitted", False)


def _withdraw_dispute(client: Client, world: World) -> bool:
    return _dispute_step(client, world, "withdraw_disputes", "withdrawn", False)


def _win_dispute(client: Client, world: World) -> bool:
    return _dispute_step(client, world, "mark_won", "won", True)


def _lose_dispute(client: Client, world: World) -> bool:
    return _dispute_step(client, world, "mark_lost", "lost", True)


def _issue_activation_code(client: Client, world: World) -> bool:
    cardholder = world.card().account.cardholder
    _action(
        client, "accounts/cardholder", "issue_portal_activation_code", [cardholder.pk]
    )
    return PortalActivationCode.objects.filter(cardholder=cardholder).exists()


def _post_user_form(client: Client, user: User, roles: list[str]) -> None:
    """Save a staff member's admin change page with these roles."""
    client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "is_active": "on",
            "is_staff": "on",
            "groups": [group.pk for group in Group.objects.filter(name__in=roles)],
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )


def _roles_of(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def _grant_lower_role(client: Client, world: World) -> bool:
    member = world.staff_member(SA)
    _post_user_form(client, member, [SA, CO])
    return _roles_of(member) == {SA, CO}


def _take_a_lower_role(client: Client, world: World) -> bool:
    member = world.staff_member(FS)
    _post_user_form(client, member, [])
    return _roles_of(member) == set()


def _grant_program_admin(client: Client, world: World) -> bool:
    member = world.staff_member(SA)
    _post_user_form(client, member, [SA, PA])
    return PA in _roles_of(member)


def _grant_access_admin(client: Client, world: World) -> bool:
    member = world.staff_member(SA)
    _post_user_form(client, member, [SA, AA])
    return AA in _roles_of(member)


def _change_own_roles(client: Client, world: World) -> bool:
    before = _roles_of(world.user)
    _post_user_form(client, world.user, [SA, FA, FS, CO, PA, AA])
    return _roles_of(world.user) != before


def _demote_a_program_admin(client: Client, world: World) -> bool:
    member = world.staff_member(PA)
    _post_user_form(client, member, [SA])
    return _roles_of(member) == {SA}


def _reset_password(client: Client, world: World) -> bool:
    member = world.staff_member(SA)
    password = f"reset-by-matrix-{uuid.uuid4().hex}"
    client.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    member.refresh_from_db()
    return member.check_password(password)


def _reset_own_password_here(client: Client, world: World) -> bool:
    password = f"own-reset-{uuid.uuid4().hex}"
    client.post(
        reverse("admin:auth_user_password_change", args=[world.user.pk]),
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    world.user.refresh_from_db()
    return world.user.check_password(password)


def _reset_second_factor(client: Client, world: World) -> bool:
    device = staff_device(world.staff_member(FA))
    client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    return not TOTPDevice.objects.filter(pk=device.pk).exists()


def _reset_a_program_admins_second_factor(client: Client, world: World) -> bool:
    device = staff_device(world.staff_member(PA))
    client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    return not TOTPDevice.objects.filter(pk=device.pk).exists()


ACTIONS: dict[str, tuple[Callable[[Client, World], bool], set[str]]] = {
    "freeze a card": (_freeze, {SA, FS}),
    "unfreeze a card": (_unfreeze, {SA, FS}),
    "replace a card": (_replace, {SA}),
    "activate a model": (_activate_model, {FS}),
    "switch a rule on": (_manage_rules, {FS}),
    "claim a case": (_claim, {FA, FS}),
    "decide a case": (_decide_case, {FA, FS}),
    "close cases in bulk": (_bulk_close, {FA, FS}),
    "escalate a case": (_escalate, {FA, FS}),
    "assign a case": (_assign, {FS}),
    "reopen a case": (_reopen, {FS}),
    "decide a credit limit": (_decide_credit, {CO}),
    "decide credit limits in bulk": (_bulk_decide_credit, {CO}),
    "return a payment": (_return_payment, {CO}),
    "record a payment": (_record_payment, {SA, CO}),
    "see the dashboards": (_see_dashboards, {FA, FS, PA}),
    "change the impact assumptions": (_change_impact_assumptions, {FS, PA}),
    "submit a dispute": (_submit_dispute, {SA}),
    "withdraw a dispute": (_withdraw_dispute, {SA}),
    "mark a dispute won": (_win_dispute, {CO}),
    "mark a dispute lost": (_lose_dispute, {CO}),
    "issue a portal activation code": (_issue_activation_code, {SA}),
    "replay a webhook delivery": (_replay_webhook, {SA, PA}),
    "enable a webhook endpoint": (_enable_webhook_endpoint, {PA}),
    # Staff access: nobody raises their own privileges (DESIGN.md §8).
    "give another a lower role": (_grant_lower_role, {PA, AA}),
    "take a lower role from another": (_take_a_lower_role, {PA, AA}),
    "give another program admin": (_grant_program_admin, set()),
    "give another access administrator": (_grant_access_admin, set()),
    "change one's own roles": (_change_own_roles, set()),
    "take a program admin's role": (_demote_a_program_admin, set()),
    "reset another's password": (_reset_password, {AA}),
    "reset one's own password without the old one": (_reset_own_password_here, set()),
    "reset another's second factor": (_reset_second_factor, {AA}),
    "reset a program admin's second factor": (
        _reset_a_program_admins_second_factor,
        set(),
    ),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_can_do_exactly_its_part(
    role, active_model, issue_card, make_staff, staff_client
):
    if role == NO_ROLE:
        user = make_staff("matrix-nobody", FA)
        user.groups.clear()
    else:
        user = make_staff("matrix-user", role)
    client = staff_client(user)
    world = World(issue_card, make_staff, user)

    pages = {
        f"view {name}": client.get(f"/admin/{name}/").status_code for name in PAGES
    }
    adds = {
        f"add {name}": client.get(f"/admin/{name}/add/").status_code for name in ADDS
    }
    done = {name: attempt(client, world) for name, (attempt, _) in ACTIONS.items()}

    expected_pages = {
        f"view {name}": 200 if role in roles else 403 for name, roles in PAGES.items()
    }
    expected_adds = {
        f"add {name}": 200 if role in roles else 403 for name, roles in ADDS.items()
    }
    expected_done = {name: role in roles for name, (_, roles) in ACTIONS.items()}
    assert pages == expected_pages
    assert adds == expected_adds
    assert done == expected_done
    assert client.get("/admin/").status_code == 200


def test_no_admin_page_shows_a_full_card_number(
    active_model, test_card, make_staff, staff_client
):
    """Support and fraud staff see the last four digits only, everywhere."""
    case_page_user = make_staff("pan-analyst", FA)
    support = make_staff("pan-support", SA)
    authorization = authorize(test_card, 4_500)
    authorization_score(authorization=authorization)
    case = ReviewCase.objects.get(authorization=authorization)
    card = test_card.issued.card
    masked = f"•••• {test_card.issued.pan[-4:]}"
    capture = cleared_capture(test_card, 1_000)
    dispute = dispute_file(
        capture=capture,
        amount=1_000,
        reason="fraud",
        description="Not me.",
        now=capture.created_at,
    )
    pages = [
        (support, f"/admin/cards/card/{card.pk}/change/", masked),
        (support, "/admin/cards/card/", masked),
        (support, f"/admin/cards/authorization/{authorization.pk}/change/", ""),
        (support, f"/admin/accounts/creditaccount/{card.account_id}/change/", ""),
        (case_page_user, f"/admin/fraud/reviewcase/{case.pk}/change/", masked),
        (support, "/admin/cards/dispute/", masked),
        (support, f"/admin/cards/dispute/{dispute.pk}/change/", masked),
    ]

    bodies = [(staff_client(user).get(url), shown) for user, url, shown in pages]

    assert [body.status_code for body, _ in bodies] == [200] * len(pages)
    for body, shown in bodies:
        html = body.content.decode()
        assert test_card.issued.pan not in html
        assert test_card.issued.pan[:6] not in html
        assert shown in html


def test_related_objects_link_to_each_other(
    active_model, test_card, make_staff, staff_client
):
    """From a credit line to its cards, from a card to its transactions and back."""
    support = make_staff("links-support", SA)
    authorization = authorize(test_card, 1_000)
    card = test_card.issued.card
    client = staff_client(support)

    account_page = client.get(
        f"/admin/accounts/creditaccount/{card.account_id}/change/"
    )
    cards = client.get(f"/admin/cards/card/?account__id__exact={card.account_id}")
    transactions = client.get(f"/admin/cards/authorization/?card__id__exact={card.pk}")

    assert f"/admin/cards/card/?account__id__exact={card.account_id}" in (
        account_page.content.decode()
    )
    assert f"/admin/cards/card/{card.pk}/change/" in cards.content.decode()
    assert str(authorization.public_id) in transactions.content.decode()
    assert f"/admin/cards/card/{card.pk}/change/" in transactions.content.decode()
