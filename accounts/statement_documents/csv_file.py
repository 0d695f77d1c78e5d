"""A statement as CSV: one header row, the summary, then the transactions.

Columns `record,key,value,date,description,type,amount,reference`:

- `summary` rows fill `key` and `value`, one per figure (the document's
  keys, e.g. `new_balance`); money is a plain decimal in major units
  (`1234.56`), dates are ISO, an unknown value is empty.
- `transaction` rows fill `date` (ISO, UTC), `description`, `type`
  (`purchase`, `payment_or_credit`, `fee`, `interest`), `amount` (signed:
  negative reduces the balance) and `reference` (the ledger entry's id).

Text cells that a spreadsheet would run as a formula (starting with `=`,
`+`, `-`, `@`, tab or carriage return, and not a plain number such as
`-12.50`) are prefixed with `'`.
"""

import csv
import io
import re

from accounts.statement_documents.content import StatementDocument, plain_amount

COLUMNS = (
    "record",
    "key",
    "value",
    "date",
    "description",
    "type",
    "amount",
    "reference",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def spreadsheet_text(text: str) -> str:
    """Return `text` made inert for spreadsheets (OWASP CSV injection)."""
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return f"'{text}"
    return text


def statement_csv(*, document: StatementDocument) -> str:
    """Render the statement as CSV text (RFC 4180 line endings)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for figure in document.figures:
        writer.writerow(
            ("summary", figure.key, spreadsheet_text(figure.value), "", "", "", "", "")
        )
    for line in document.lines:
        writer.writerow(
            (
                "transaction",
                "",
                "",
                line.date.isoformat(),
                spreadsheet_text(line.description),
                line.group.key,
                plain_amount(line.amount, document.currency),
                str(line.reference),
            )
        )
    return buffer.getvalue()
