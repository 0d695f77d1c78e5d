"""Partners and their API keys."""

from collections.abc import Iterable
from typing import cast

from django.db import transaction

from accounts.models import Partner, PartnerApiKey, Scope
from issuer.kernel.errors import InvalidInput


def _validated_scopes(scopes: Iterable[str]) -> list[str]:
    cleaned = sorted({scope.strip() for scope in scopes if scope.strip()})
    unknown = [scope for scope in cleaned if scope not in Scope.values]
    if unknown:
        raise InvalidInput.for_field(
            "scopes",
            f"Unknown scope(s): {', '.join(unknown)}. "
            f"Known: {', '.join(Scope.values)}.",
        )
    if not cleaned:
        raise InvalidInput.for_field("scopes", "Give at least one scope.")
    return cleaned


def partner_api_key_issue(
    *, partner: Partner, scopes: Iterable[str], name: str = "default"
) -> tuple[PartnerApiKey, str]:
    """Issue a key; the plain key is returned once and stored only hashed."""
    api_key, plain_key = PartnerApiKey.objects.create_key(
        partner=partner, name=name, scopes=_validated_scopes(scopes)
    )
    return cast(PartnerApiKey, api_key), plain_key


def partner_create(
    *,
    name: str,
    scopes: Iterable[str],
    kind: str = Partner.Kind.ACQUIRER,
    serves_issuer_cardholders: bool = False,
) -> tuple[Partner, str]:
    """Create a partner and its first API key; return the partner and the key."""
    name = name.strip()
    if not name:
        raise InvalidInput.for_field("name", "A partner needs a name.")
    if kind not in Partner.Kind.values:
        raise InvalidInput.for_field("kind", f"Choose one of {Partner.Kind.values}.")
    scope_list = _validated_scopes(scopes)
    with transaction.atomic():
        if Partner.objects.filter(name=name).exists():
            raise InvalidInput.for_field("name", f"Partner {name!r} already exists.")
        partner = Partner.objects.create(
            name=name, kind=kind, serves_issuer_cardholders=serves_issuer_cardholders
        )
        _, plain_key = partner_api_key_issue(partner=partner, scopes=scope_list)
    return partner, plain_key


def partner_api_key_revoke(*, api_key: PartnerApiKey) -> PartnerApiKey:
    """Revoke for good; this process forgets the key now, others within
    API_KEY_CACHE_SECONDS."""
    from accounts.api_auth import verified_keys

    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
    verified_keys.forget(api_key.pk)
    return api_key
