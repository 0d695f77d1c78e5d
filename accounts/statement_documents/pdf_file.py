"""A statement as PDF, drawn with fpdf2 (pure Python, no browser or system fonts).

The PDF uses the standard Helvetica font in the Windows-1252 encoding, so it
needs no font files; a character outside it (say a merchant name in another
script) prints as `?`. The HTML page and the CSV keep every character.
Rendering the same statement twice gives the same bytes: the document's
dates come from the statement, never from the clock.
"""

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from accounts.statement_documents.content import Section, StatementDocument

ENCODING = "windows-1252"
FONT = "helvetica"
LINE_HEIGHT = 5.5


def printable(text: str) -> str:
    """Return `text` with what the PDF font cannot show replaced by `?`."""
    return text.encode(ENCODING, "replace").decode(ENCODING)


class _StatementPdf(FPDF):
    def __init__(self, document: StatementDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="letter")
        self.document = document
        self.core_fonts_encoding = ENCODING
        self.set_margins(left=18, top=18, right=18)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_creation_date(document.statement.closed_at)
        self.set_title(printable(document.title))
        self.set_subject(f"Credit account {document.statement.account.public_id}")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.cell(
            0,
            5,
            printable(f"{self.document.title} - page {self.page_no()} of {{nb}}"),
            align="C",
        )

    def heading(self, text: str, size: int = 12) -> None:
        self.set_font(FONT, style="B", size=size)
        self.cell(0, size * 0.6, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def note(self, text: str) -> None:
        self.set_font(FONT, style="I", size=9)
        self.multi_cell(0, 4.5, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def figures(self, section: Section) -> None:
        self.heading(section.title)
        if section.note:
            self.note(section.note)
        self.set_font(FONT, size=10)
        with self.table(
            col_widths=(3, 2),
            text_align=("LEFT", "RIGHT"),
            first_row_as_headings=False,
            borders_layout="HORIZONTAL_LINES",
            line_height=LINE_HEIGHT,
        ) as table:
            for figure in section.figures:
                row = table.row()
                row.cell(printable(figure.label))
                row.cell(printable(figure.text))
        self.ln(4)

    def transactions(self) -> None:
        self.heading("Transactions")
        self.set_font(FONT, size=9)
        if not self.document.rows:
            self.note("No transactions in this period.")
            return
        with self.table(
            col_widths=(22, 80, 34, 26),
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
            borders_layout="HORIZONTAL_LINES",
            line_height=LINE_HEIGHT,
        ) as table:
            header = table.row()
            for title in ("Date", "Description", "Type", "Amount"):
                header.cell(title)
            for line in self.document.rows:
                row = table.row()
                row.cell(printable(line.date))
                row.cell(printable(line.description))
                row.cell(printable(line.group))
                row.cell(printable(line.amount))


def statement_pdf(*, document: StatementDocument) -> bytes:
    """Render the statement as a PDF file's bytes."""
    pdf = _StatementPdf(document)
    pdf.add_page()
    pdf.heading(document.title, size=16)
    pdf.set_font(FONT, size=10)
    for figure in document.header:
        pdf.cell(
            0,
            LINE_HEIGHT,
            printable(f"{figure.label}: {figure.text}"),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.note(f"Amounts in {document.currency}.")
    pdf.ln(2)
    for section in document.printed_sections:
        pdf.figures(section)
    pdf.transactions()
    return bytes(pdf.output())
