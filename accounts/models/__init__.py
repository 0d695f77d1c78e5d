"""People and the identities that reach the issuer.

- User: every login (staff in admin, cardholders in the portal). Staff are
  users with `is_staff` and one or more role groups (see `roles.py`).
- Partner: an acquirer, processor or program manager using the REST API.
- PartnerApiKey: a partner's API key, stored hashed (djangorestframework-
  api-key), with the scopes it grants. A revoked key never works again.
- Cardholder: a person with KYC data, optionally linked to a portal user.
- CreditAccount: a credit line (limit, APR, cycle day, status) owning a
  bounded receivable in the ledger whose debit limit equals the credit
  limit; both change together, under the account's row lock.
- CreditLimitChange: every limit change with who and why (append-only).
- CreditScore: one behavioural score (300-850) of an account with its top
  reason codes and the scorecard's inputs; the newest is the current score,
  the rest its history. At most one per account and triggering event.
- CreditLimitProposal: a limit change the scorecard suggests, waiting in
  the credit review queue; at most one pending per account (a newer one
  supersedes it). Deciding it records a CreditDecision: approve or reject,
  the officer, the reasons and, for a decrease, the notice to the
  cardholder.
- PortalActivationCode: a one-time code (stored hashed) a cardholder signs up
  to the portal with; used once, expires, and a newer code revokes it.
- NotificationPreference, Notification: what a cardholder is told about
  their cards and accounts, and which of it is emailed (see notifications.py).
"""

from accounts.models.billing import DueDateAssessment, Payment, Statement
from accounts.models.credit import (
    CreditAccount,
    CreditDecision,
    CreditLimitChange,
    CreditLimitProposal,
    CreditScore,
)
from accounts.models.notifications import Notification, NotificationPreference
from accounts.models.people import (
    Cardholder,
    Partner,
    PartnerApiKey,
    PartnerApiKeyManager,
    Scope,
    User,
)
from accounts.models.portal_access import PortalActivationCode

__all__ = [
    "Cardholder",
    "CreditAccount",
    "CreditDecision",
    "CreditLimitChange",
    "CreditLimitProposal",
    "CreditScore",
    "DueDateAssessment",
    "Notification",
    "NotificationPreference",
    "Partner",
    "PartnerApiKey",
    "PartnerApiKeyManager",
    "Payment",
    "PortalActivationCode",
    "Scope",
    "Statement",
    "User",
]
