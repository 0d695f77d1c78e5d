"""Demo disputes: one filed, one submitted to the network, one won."""

from accounts.models import Cardholder
from cards.models import Capture, Dispute
from cards.services.disputes import dispute_file, dispute_resolve, dispute_submit

DEMO_DISPUTES = (
    ("cardholder1", Dispute.Reason.NOT_RECEIVED, "The order never arrived.", ""),
    ("cardholder2", Dispute.Reason.DUPLICATE, "Charged twice for one coffee.", "sub"),
    ("cardholder3", Dispute.Reason.FRAUD, "I was at home; this was not me.", "won"),
)


def demo_disputes_seed() -> int:
    """File the demo cardholders' disputes (once); return how many."""
    if Dispute.objects.exists():
        return 0
    filed = 0
    for username, reason, description, step in DEMO_DISPUTES:
        cardholder = Cardholder.objects.filter(user__username=username).first()
        capture = (
            Capture.objects.filter(card__account__cardholder=cardholder)
            .order_by("-pk")
            .first()
            if cardholder
            else None
        )
        if capture is None:
            continue
        dispute = dispute_file(
            capture=capture,
            amount=capture.amount,
            reason=reason,
            description=description,
            cardholder_user=cardholder.user if cardholder else None,
        )
        if step:
            dispute_submit(dispute=dispute)
        if step == "won":
            dispute_resolve(dispute=dispute, outcome="won", note="Chargeback accepted")
        filed += 1
    return filed
