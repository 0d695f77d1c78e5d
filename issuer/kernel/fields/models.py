"""Model fields shared by every app (imported as `issuer.kernel.fields`)."""

from typing import Any

from django.db import models

# The binary collation per database vendor: compares bytes, so "Key-A" and
# "key-a" are two values. SQLite compares bytes already (BINARY).
_BINARY_COLLATIONS = {"mysql": "utf8mb4_bin", "postgresql": "C"}


class ExactCharField(models.CharField):
    """A CharField compared byte-exact on every database.

    MariaDB's default collation ignores letter case (and some accents), so
    two idempotency keys that differ only in case would be one row. This
    field asks for the vendor's binary collation instead; `db_collation`
    cannot, because the collation's name differs per vendor.
    """

    def deconstruct(self) -> Any:
        name, _, args, kwargs = super().deconstruct()
        return name, "issuer.kernel.fields.ExactCharField", args, kwargs

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        collation = _BINARY_COLLATIONS.get(connection.vendor)
        if collation is not None:
            parameters["collation"] = collation
        return parameters
