"""The documented permission matrix is the one the roles are synced from."""

from pathlib import Path

from accounts.roles import roles_matrix_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "staff-roles.md"


def test_the_docs_show_the_permission_matrix_the_roles_have():
    text = DOC.read_text()
    documented = text.split("<!-- matrix:start -->\n", 1)[1].split(
        "<!-- matrix:end -->", 1
    )[0]

    assert documented == roles_matrix_markdown()
