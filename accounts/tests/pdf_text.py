"""Read the text back out of an fpdf2 PDF (standard fonts, Windows-1252)."""

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)")
_ESCAPE = re.compile(rb"\\(.)", re.S)


def pdf_text_lines(pdf: bytes) -> list[str]:
    """Every string the PDF's page content draws, in drawing order."""
    lines = []
    for match in _STREAM.finditer(pdf):
        try:
            content = zlib.decompress(match.group(1))
        except zlib.error:
            continue  # not a compressed content stream (e.g. a font)
        for text in re.findall(rb"BT.*?ET", content, re.S):
            for literal in _LITERAL.findall(text):
                lines.append(_ESCAPE.sub(rb"\1", literal).decode("cp1252"))
    return lines
