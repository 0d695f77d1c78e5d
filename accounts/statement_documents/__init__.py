"""Statement documents: one closed statement as a printable page, a PDF and a CSV.

- `lines`: the selector for a statement's transaction lines (the receivable's
  postings effective within the period), each in its group: purchase,
  payment or credit, fee, interest.
- `content`: what a statement shows, labelled and formatted once, so every
  format shows the same figures in the same order.
- `html_page`, `pdf_file`, `csv_file`: the three renderers.
- `responses`: the HTTP responses staff and cardholder views return.

Statements never show a card number: a statement belongs to the credit
account, not to a card.
"""
