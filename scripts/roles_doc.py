"""Rewrite the permission matrix in docs/staff-roles.md from accounts/roles.py.

.venv/bin/python scripts/roles_doc.py
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "issuer.settings.local")

import django  # noqa: E402

django.setup()

from accounts.roles import roles_matrix_markdown  # noqa: E402

DOC = ROOT / "docs" / "staff-roles.md"
text = DOC.read_text()
text = re.sub(
    r"(<!-- matrix:start -->\n).*?(<!-- matrix:end -->)",
    lambda m: m.group(1) + roles_matrix_markdown() + m.group(2),
    text,
    flags=re.S,
)
DOC.write_text(text)
