"""Look for card data where it must never be: every column of every table
(the encrypted PAN column aside), Redis keys and values, log files, media
files and any text a caller hands over (rendered pages, API answers).

The scanner knows each issued card's PAN (decrypted here, in memory) and
CVV (derived), and reports
- a card number: a PAN's digits, separated by spaces or dashes or not;
- card number digits: any 12 consecutive digits of a PAN (a number cut or
  masked too little);
- a CVV: a card's CVV right after a word naming it ("cvv": "123", CVC 123);
- a derived value: an unkeyed hash (SHA-256, SHA-1, MD5; hex or base64) of
  the card's number, of number and CVV, of number, expiry and CVV, or of a
  typical request body carrying them (as the old idempotency fingerprint
  hashed the raw body), in any hash-like value. A keyed MAC cannot be
  checked this way and needs no checking: without the key nothing can be
  tried against it.
A finding names the card by its public id and last four digits, never by
its number or CVV, so the report itself can be shared.
"""

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from cards.models import Card
from cards.security import EncryptedPan, cvv_generate, expiry_mmyy, pan_decrypt

FRAGMENT_DIGITS = 12
# The only place a PAN may be: its ciphertext.
ALLOWED_COLUMNS = {(Card._meta.db_table, Card._meta.get_field("pan_ciphertext").column)}

_DIGIT_RUN = re.compile(rf"\d(?:[ -]?\d){{{FRAGMENT_DIGITS - 1},}}")
_CVV_IN_CONTEXT = re.compile(
    r"(?i)(?<![a-z])(?:cvv2?|cvc2?|csc|cid|security[ _-]?code)(?![a-z])"
    r"\W{0,12}?(\d{3,4})(?!\d)"
)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
# Hex digests of MD5 (32), SHA-1 (40) and SHA-256 (64), and their base64.
_HEX_DIGEST = re.compile(
    r"(?i)(?<![0-9a-f])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-f])"
)
_HASHES = ("sha256", "sha1", "md5")
# Endpoints whose bodies carry card data, as an unkeyed body hash saw them.
_CARD_DATA_PATHS = ("/api/v1/authorizations", "/api/v1/refunds")


@dataclass(frozen=True)
class CardSecrets:
    """One card's number and CVV, in memory only."""

    card_id: str
    last_four: str
    pan: str
    cvv: str
    expiry: str = ""  # MM/YY, as requests carry it

    def __repr__(self) -> str:
        return f"CardSecrets(card_id={self.card_id!r}, last_four={self.last_four!r})"


@dataclass(frozen=True)
class Finding:
    where: str
    # "card number", "card number digits", "CVV" or "unkeyed hash of card data"
    kind: str
    card_id: str
    last_four: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} of card {self.card_id} (…{self.last_four})"


def card_secrets_all() -> list[CardSecrets]:
    """Every issued card's number and CVV, decrypted and derived now."""
    secrets = []
    for card in Card.objects.only(
        "public_id", "pan_key_id", "pan_ciphertext", "expiry_month", "expiry_year"
    ).iterator():
        pan = pan_decrypt(
            encrypted=EncryptedPan(
                key_id=card.pan_key_id, ciphertext=bytes(card.pan_ciphertext)
            ),
            context=str(card.public_id),
        )
        expiry = expiry_mmyy(month=card.expiry_month, year=card.expiry_year)
        secrets.append(
            CardSecrets(
                card_id=str(card.public_id),
                last_four=pan[-4:],
                pan=pan,
                cvv=cvv_generate(pan=pan, expiry=expiry),
                expiry=f"{expiry[:2]}/{expiry[2:]}",  # the API's MM/YY
            )
        )
    return secrets


def _as_text(value: Any) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _card_data_preimages(card: CardSecrets) -> Iterator[bytes]:
    """The byte strings an unkeyed hash of a card's data would have hashed."""
    plain = [
        card.pan,
        card.pan + card.cvv,
        card.pan + card.expiry + card.cvv,
        card.pan + card.expiry.replace("/", "") + card.cvv,
    ]
    for separator in ("|", ":", ",", " ", "\n"):
        plain.append(separator.join((card.pan, card.cvv)))
        plain.append(separator.join((card.pan, card.expiry, card.cvv)))
    yield from (value.encode() for value in plain)
    documents = [
        {"pan": card.pan},
        {"pan": card.pan, "cvv": card.cvv},
        {"pan": card.pan, "expiry": card.expiry},
        {"pan": card.pan, "expiry": card.expiry, "cvv": card.cvv},
    ]
    for document in documents:
        for body in (
            json.dumps(document).encode(),
            json.dumps(document, separators=(",", ":")).encode(),
            json.dumps(document, sort_keys=True).encode(),
            json.dumps(document, sort_keys=True, separators=(",", ":")).encode(),
        ):
            yield body
            for path in _CARD_DATA_PATHS:
                yield b"POST " + path.encode() + b"\n" + body


def _card_data_digests(card: CardSecrets) -> Iterator[str]:
    """Hex digests of every pre-image under every unkeyed hash."""
    for preimage in _card_data_preimages(card):
        for name in _HASHES:
            yield hashlib.new(name, preimage).hexdigest()


class CardDataScanner:
    """Scan text, the database, Redis and files for the given cards' data."""

    def __init__(self, cards: Iterable[CardSecrets]) -> None:
        self.cards = list(cards)
        self._by_fragment: dict[str, CardSecrets] = {}
        for card in self.cards:
            for start in range(len(card.pan) - FRAGMENT_DIGITS + 1):
                self._by_fragment[card.pan[start : start + FRAGMENT_DIGITS]] = card
        self._by_cvv: dict[str, list[CardSecrets]] = {}
        for card in self.cards:
            self._by_cvv.setdefault(card.cvv, []).append(card)
        self._by_digest: dict[str, CardSecrets] = {}
        for card in self.cards:
            for digest in _card_data_digests(card):
                self._by_digest[digest] = card

    def scan_text(self, text: str, *, where: str) -> list[Finding]:
        """Findings in `text`, and in any base64 inside it (message bodies)."""
        findings = self._scan_plain(text, where=where)
        for token in _BASE64.findall(text):
            try:
                decoded = base64.b64decode(token, validate=True)
            except (binascii.Error, ValueError):
                continue
            findings += self._scan_plain(
                decoded.decode("latin-1"), where=f"{where} (base64)"
            )
        return findings

    def _scan_plain(self, text: str, *, where: str) -> list[Finding]:
        found: dict[tuple[str, str], Finding] = {}
        for match in _DIGIT_RUN.finditer(text):
            digits = re.sub(r"[ -]", "", match.group())
            for start in range(len(digits) - FRAGMENT_DIGITS + 1):
                card = self._by_fragment.get(digits[start : start + FRAGMENT_DIGITS])
                if card is None:
                    continue
                kind = "card number" if card.pan in digits else "card number digits"
                found.setdefault(
                    (card.card_id, kind),
                    Finding(where, kind, card.card_id, card.last_four),
                )
        for match in _CVV_IN_CONTEXT.finditer(text):
            for card in self._by_cvv.get(match.group(1), []):
                found.setdefault(
                    (card.card_id, "CVV"),
                    Finding(where, "CVV", card.card_id, card.last_four),
                )
        for digest in self._digests_in(text):
            derived = self._by_digest.get(digest)
            if derived is not None:
                found.setdefault(
                    (derived.card_id, "unkeyed hash of card data"),
                    Finding(
                        where,
                        "unkeyed hash of card data",
                        derived.card_id,
                        derived.last_four,
                    ),
                )
        return list(found.values())

    @staticmethod
    def _digests_in(text: str) -> Iterator[str]:
        """Hash-like values in `text` as lower-case hex (base64 ones decoded)."""
        for match in _HEX_DIGEST.finditer(text):
            yield match.group().lower()
        for token in _BASE64.findall(text):
            if len(token) not in (24, 28, 44):  # MD5, SHA-1, SHA-256 in base64
                continue
            try:
                yield base64.b64decode(token, validate=True).hex()
            except (binascii.Error, ValueError):
                continue

    def scan_database(self) -> list[Finding]:
        """Every column of every table (Django's or not), row by row."""
        findings = []
        quote = connection.ops.quote_name
        for table in sorted(connection.introspection.table_names()):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
                columns = [column[0] for column in cursor.description]
                number = 0
                while rows := cursor.fetchmany(2_000):
                    for row in rows:
                        number += 1
                        findings += self._scan_row(table, columns, row, number)
        return findings

    def _scan_row(
        self, table: str, columns: list[str], row: tuple[Any, ...], number: int
    ) -> list[Finding]:
        findings = []
        for column, value in zip(columns, row, strict=True):
            if value is None or (table, column) in ALLOWED_COLUMNS:
                continue
            findings += self.scan_text(
                _as_text(value), where=f"database {table}.{column} (row {number})"
            )
        return findings

    def scan_redis(self, client: Any) -> list[Finding]:
        """Every key of the client's Redis database, its name and its values."""
        findings = []
        for key in client.scan_iter(count=500):
            name = _as_text(key)
            findings += self.scan_text(name, where=f"redis key {name!r} (name)")
            for value in _redis_values(client, key):
                findings += self.scan_text(_as_text(value), where=f"redis key {name!r}")
        return findings

    def scan_files(self, paths: Iterable[Path]) -> list[Finding]:
        """Files, or every file under folders, read as bytes."""
        findings = []
        for path in paths:
            files = sorted(p for p in path.rglob("*") if p.is_file()) or [path]
            for file in files:
                if file.is_file():
                    text = file.read_bytes().decode("latin-1")
                    findings += self.scan_text(text, where=f"file {file}")
        return findings


def _redis_values(client: Any, key: bytes) -> Iterator[Any]:
    kind = _as_text(client.type(key))
    if kind == "string":
        yield client.get(key)
    elif kind == "list":
        yield from client.lrange(key, 0, -1)
    elif kind == "hash":
        for field, value in client.hgetall(key).items():
            yield field
            yield value
    elif kind == "set":
        yield from client.smembers(key)
    elif kind == "zset":
        yield from client.zrange(key, 0, -1)
    elif kind == "stream":
        for entry_id, fields in client.xrange(key):
            yield entry_id
            yield from (item for pair in fields.items() for item in pair)
