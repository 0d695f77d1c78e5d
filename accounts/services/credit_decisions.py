"""The credit review queue: proposed limit changes and officers' decisions.

The scorecard proposes; a credit officer approves or rejects. Each decision
is recorded with its reasons. A decrease the officer approves carries a
notice to the cardholder, published as `credit.limit_decreased` for the
notification channels to deliver.
"""

from django.utils import timezone

from accounts.lock_objects import credit_account_lock
from accounts.models import (
    CreditAccount,
    CreditDecision,
    CreditLimitProposal,
    CreditScore,
    User,
)
from accounts.services.credit_accounts import credit_limit_change
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput
from issuer.kernel.money import format_money
from issuer.kernel.outbox import event_publish

DECIDE_PERMISSION = "accounts.decide_creditlimit"


@atomic_with_retry
def credit_limit_proposal_create(
    *,
    account: CreditAccount,
    proposed_limit: int,
    reasons: list[str],
    score: CreditScore | None = None,
) -> CreditLimitProposal:
    """Queue a proposed limit for review; it supersedes one still pending."""
    if proposed_limit < 0:
        raise InvalidInput.for_field("proposed_limit", "Must be zero or more.")
    locked = credit_account_lock(account_id=account.pk)
    if proposed_limit == locked.credit_limit:
        raise InvalidInput.for_field(
            "proposed_limit", "The account already has this limit."
        )
    CreditLimitProposal.objects.filter(
        account=locked, status=CreditLimitProposal.Status.PENDING
    ).update(status=CreditLimitProposal.Status.SUPERSEDED)
    return CreditLimitProposal.objects.create(
        account=locked,
        current_limit=locked.credit_limit,
        proposed_limit=proposed_limit,
        score=score,
        reasons=[str(reason) for reason in reasons],
    )


@atomic_with_retry
def credit_limit_proposal_decide(
    *, proposal: CreditLimitProposal, approve: bool, reason: str, officer: User
) -> CreditDecision:
    """Approve (the limit changes now) or reject a pending proposal, with reasons."""
    if not officer.has_perm(DECIDE_PERMISSION):
        raise Forbidden("Only credit officers decide credit limits.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", "Say why.")
    account = credit_account_lock(account_id=proposal.account_id)
    locked = CreditLimitProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != CreditLimitProposal.Status.PENDING:
        raise Conflict(
            "This proposal was already decided.",
            fields={"status": [f"The proposal is {locked.status}."]},
        )
    previous_limit = account.credit_limit
    if approve:
        credit_limit_change(
            account=account,
            new_limit=locked.proposed_limit,
            actor=officer,
            reason=f"Credit review: {reason}"[:255],
        )
    new_limit = locked.proposed_limit if approve else previous_limit
    is_decrease = new_limit < previous_limit
    decision = CreditDecision.objects.create(
        account=account,
        proposal=locked,
        outcome=CreditDecision.Outcome.APPROVED
        if approve
        else CreditDecision.Outcome.REJECTED,
        previous_limit=previous_limit,
        new_limit=new_limit,
        reason=reason[:255],
        cardholder_notice=_decrease_notice(account, locked, previous_limit)
        if is_decrease
        else "",
        officer=officer,
    )
    locked.status = (
        CreditLimitProposal.Status.APPROVED
        if approve
        else CreditLimitProposal.Status.REJECTED
    )
    locked.save(update_fields=["status"])
    if is_decrease:
        event_publish(
            type="credit.limit_decreased",
            aggregate_type="credit_account",
            aggregate_id=str(account.public_id),
            payload={
                "account_id": str(account.public_id),
                "decision_id": str(decision.public_id),
                "previous_limit": previous_limit,
                "new_limit": new_limit,
                "currency": account.currency,
            },
        )
    return decision


def _decrease_notice(
    account: CreditAccount, proposal: CreditLimitProposal, previous_limit: int
) -> str:
    """The cardholder's notice of a lower limit, with the reasons in plain words."""
    lines = [
        f"On {timezone.now():%B %d, %Y} we lowered your credit limit from "
        f"{format_money(previous_limit, account.currency)} {account.currency} to "
        f"{format_money(proposal.proposed_limit, account.currency)} "
        f"{account.currency}.",
    ]
    if proposal.reasons:
        lines.append("The main reasons:")
        lines += [f"- {reason}" for reason in proposal.reasons[:4]]
    lines.append(
        "You may ask us to review this decision; paying on time and keeping "
        "your balance low help your limit grow again."
    )
    return "\n".join(lines)
