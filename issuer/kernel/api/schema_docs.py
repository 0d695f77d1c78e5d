"""The partner API's documentation in one table: a tag per resource, and a
summary and a description for every operation of the OpenAPI schema.

`schema_docs_apply` is a drf-spectacular postprocessing hook: it tags each
operation by its path and fills in the summary and description from
`OPERATIONS` (a view's own description stays where the table has none).
A test fails on any operation without a summary, a description or a tag,
so a new endpoint gets its entry here.
"""

from typing import Any

# Tags in the order the docs show them.
TAGS = [
    {
        "name": "Authorizations",
        "description": "Ask to approve a card transaction, read it back with "
        "its fraud score, and release its hold.",
    },
    {
        "name": "Captures and refunds",
        "description": "Post what was authorized (in part, in full or above), "
        "force-post a clearing with no authorization, and refund.",
    },
    {
        "name": "Accounts",
        "description": "Credit accounts: balances and available credit, "
        "payments, statements.",
    },
    {
        "name": "Cardholders",
        "description": "The people who hold the cards (program managers).",
    },
    {
        "name": "Cards",
        "description": "Issue cards and move them through their lifecycle.",
    },
    {
        "name": "Disputes",
        "description": "Chargeback disputes on an account's transactions.",
    },
    {
        "name": "Webhooks",
        "description": "Endpoints that receive signed events, and their delivery logs.",
    },
]

# Path prefix under /api/v1/ -> tag; the longest matching prefix wins.
_TAG_BY_PREFIX = {
    "authorizations": "Authorizations",
    "authorizations/{authorization_id}/capture": "Captures and refunds",
    "captures": "Captures and refunds",
    "refunds": "Captures and refunds",
    "accounts": "Accounts",
    "accounts/{account_id}/disputes": "Disputes",
    "cardholders": "Cardholders",
    "cards": "Cards",
    "disputes": "Disputes",
    "webhook-endpoints": "Webhooks",
    "webhook-deliveries": "Webhooks",
    "authorization-decision-endpoint": "Authorizations",
}

_CARD_ACTION = "The `reason` is recorded with the change. Honours `Idempotency-Key`."

# (method, path) -> (summary, description or None to keep the view's own).
OPERATIONS: dict[tuple[str, str], tuple[str, str | None]] = {
    ("POST", "/api/v1/authorizations"): (
        "Authorize a card transaction",
        "Checks the card (status, expiry, CVV when sent, spending controls) "
        "and the account's available credit under a row lock, and places a "
        "hold for the amount. A decline is also 201, with `status: declined` "
        "and its ISO 8583 `response_code`. Honours `Idempotency-Key`. The "
        "fraud score follows asynchronously: read it with GET.",
    ),
    ("GET", "/api/v1/authorizations/{authorization_id}"): (
        "Read an authorization and its fraud score",
        None,
    ),
    ("POST", "/api/v1/authorizations/{authorization_id}/capture"): (
        "Capture an authorization",
        "Posts the amount to the ledger (default: the amount still held). "
        "May be partial, repeated, or above the hold. Honours "
        "`Idempotency-Key`.",
    ),
    ("POST", "/api/v1/authorizations/{authorization_id}/reverse"): (
        "Reverse an authorization",
        "Releases the hold (default: all that is still held). Honours "
        "`Idempotency-Key`.",
    ),
    ("POST", "/api/v1/captures"): ("Force-post a capture", None),
    ("POST", "/api/v1/refunds"): (
        "Refund a transaction",
        "Credits the account, for an authorization (`authorization_id`) or "
        "for a card and merchant (`pan`, `merchant`). Honours "
        "`Idempotency-Key`.",
    ),
    ("GET", "/api/v1/accounts/{account_id}"): (
        "Read an account's balances",
        "Credit limit, posted balance, pending holds and available credit, "
        "in minor units of the account's currency.",
    ),
    ("POST", "/api/v1/accounts/{account_id}/payments"): (
        "Record a payment",
        "Credits the account with a cardholder's payment. Honours `Idempotency-Key`.",
    ),
    ("GET", "/api/v1/accounts/{account_id}/statements"): ("List statements", None),
    ("GET", "/api/v1/accounts/{account_id}/disputes"): (
        "List an account's disputes",
        "The disputes filed on the account's transactions, with their status.",
    ),
    ("GET", "/api/v1/disputes/{dispute_id}"): (
        "Read a dispute",
        "A dispute on one of your program's accounts: its capture, amount, "
        "reason and status.",
    ),
    ("GET", "/api/v1/cardholders"): (
        "List cardholders",
        "The cardholders of your program, newest first.",
    ),
    ("POST", "/api/v1/cardholders"): (
        "Create a cardholder",
        "Creates a cardholder of your program and their credit account on a "
        "card product (its default limit unless `credit_limit` is given). "
        "Honours `Idempotency-Key`.",
    ),
    ("GET", "/api/v1/cardholders/{cardholder_id}"): (
        "Read a cardholder",
        "A cardholder of your program.",
    ),
    ("GET", "/api/v1/cards"): (
        "List cards",
        "Your program's cards, newest first; a card shows its last four "
        "digits, never its number.",
    ),
    ("POST", "/api/v1/cards"): (
        "Issue a card",
        "Issues a card on one of your program's accounts. Honours `Idempotency-Key`.",
    ),
    ("GET", "/api/v1/cards/{card_id}"): (
        "Read a card",
        "A card of your program: its status, expiry and last four digits.",
    ),
    ("POST", "/api/v1/cards/{card_id}/activate"): (
        "Activate a card",
        f"Makes an issued card usable; answers with the card. {_CARD_ACTION}",
    ),
    ("POST", "/api/v1/cards/{card_id}/freeze"): (
        "Freeze a card",
        "Declines new authorizations until unfrozen; answers with the card. "
        f"{_CARD_ACTION}",
    ),
    ("POST", "/api/v1/cards/{card_id}/unfreeze"): (
        "Unfreeze a card",
        f"Lets a frozen card authorize again; answers with the card. {_CARD_ACTION}",
    ),
    ("POST", "/api/v1/cards/{card_id}/replace"): (
        "Replace a card",
        "Closes the card and issues a new one on the same account; answers "
        f"201 with the new card. {_CARD_ACTION}",
    ),
    ("POST", "/api/v1/cards/{card_id}/close"): (
        "Close a card",
        f"Closes the card for good; answers with the card. {_CARD_ACTION}",
    ),
    ("GET", "/api/v1/webhook-endpoints"): (
        "List webhook endpoints",
        "Your endpoints with their URLs, event types and status (never their secrets).",
    ),
    ("POST", "/api/v1/webhook-endpoints"): ("Register a webhook endpoint", None),
    ("GET", "/api/v1/webhook-endpoints/{endpoint_id}"): (
        "Read a webhook endpoint",
        "An endpoint's URL, event types and status.",
    ),
    ("PATCH", "/api/v1/webhook-endpoints/{endpoint_id}"): (
        "Change a webhook endpoint",
        "Change the URL, the event types, the description or the alert "
        "address, or disable or enable the endpoint.",
    ),
    ("DELETE", "/api/v1/webhook-endpoints/{endpoint_id}"): (
        "Delete a webhook endpoint",
        "Deletes the endpoint: no more events are delivered to it.",
    ),
    ("GET", "/api/v1/webhook-endpoints/{endpoint_id}/deliveries"): (
        "List an endpoint's deliveries",
        None,
    ),
    ("POST", "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): (
        "Rotate an endpoint's signing secret",
        None,
    ),
    ("GET", "/api/v1/webhook-deliveries/{delivery_id}"): (
        "Read a delivery",
        "One delivery of an event to one of your endpoints, with its status.",
    ),
    ("POST", "/api/v1/webhook-deliveries/{delivery_id}/replay"): (
        "Replay a delivery",
        None,
    ),
    ("GET", "/api/v1/authorization-decision-endpoint"): (
        "Read your real-time decision endpoint",
        "Your program's authorization-decision endpoint: its URL, time budget "
        "and the default applied on timeout or error (never its secret).",
    ),
    ("PUT", "/api/v1/authorization-decision-endpoint"): (
        "Register or change your real-time decision endpoint",
        "Program managers only. The issuer then asks this URL to approve, "
        "decline or approve a lower amount for each authorization of your "
        "program's cards that passed every local check, signed like "
        "webhooks, within the budget (at most 2 s); on timeout or error your "
        "default applies. The secret is shown once, when first registered.",
    ),
    ("DELETE", "/api/v1/authorization-decision-endpoint"): (
        "Remove your real-time decision endpoint",
        "Authorizations of your program's cards are decided by the issuer alone again.",
    ),
    ("POST", "/api/v1/authorization-decision-endpoint/rotate-secret"): (
        "Rotate your decision endpoint's signing secret",
        "A new secret, shown once; requests are signed with it from now on.",
    ),
}

_HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def operation_tag(path: str) -> str | None:
    rest = path.removeprefix("/api/v1/")
    matches = [
        prefix
        for prefix in _TAG_BY_PREFIX
        if rest == prefix or rest.startswith(prefix + "/")
    ]
    return _TAG_BY_PREFIX[max(matches, key=len)] if matches else None


def schema_docs_apply(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: tags, summaries, descriptions."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _HTTP_METHODS:
                continue
            tag = operation_tag(path)
            if tag:
                operation["tags"] = [tag]
            summary, description = OPERATIONS.get((method.upper(), path), ("", None))
            if summary:
                operation["summary"] = summary
            if description:
                operation["description"] = description
    result["tags"] = TAGS
    return result
