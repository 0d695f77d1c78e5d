"""The partner-side guide shown in the API docs, read from docs/webhooks.md
(one text for the repository and the OpenAPI description)."""

from pathlib import Path

GUIDE_PATH = Path(__file__).resolve().parent.parent / "docs" / "webhooks.md"


def _section(markdown: str, heading: str) -> str:
    _, _, rest = markdown.partition(f"## {heading}\n")
    return rest.split("\n## ", 1)[0].strip()


VERIFICATION_GUIDE = (
    "Register an endpoint; the signing secret is returned once.\n\n"
    "## Verifying a delivery\n\n"
    + _section(GUIDE_PATH.read_text(encoding="utf-8"), "Verifying a delivery")
)
