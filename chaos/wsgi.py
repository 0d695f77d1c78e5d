"""The WSGI app of the suite's gunicorn: the project's own, plus a hook that
holds a POST mid-flight (see chaos.holds; spec file `web-hold`, markers
`web-held-<pid>`) `before` the application sees it or `after` it answered
(its transaction committed) but before a byte of the answer is sent.
Nothing in the product imports this module.
"""

from collections.abc import Callable, Iterable
from typing import Any

from chaos.holds import hold_if_asked
from issuer.wsgi import application as project_application


def _hold(environ: dict[str, Any], phase: str) -> None:
    if environ.get("REQUEST_METHOD") != "POST":
        return
    hold_if_asked(
        spec="web-hold",
        marker="web-held",
        phase=phase,
        name=environ.get("PATH_INFO", ""),
        ident=environ.get("HTTP_IDEMPOTENCY_KEY", "-"),
    )


def application(
    environ: dict[str, Any], start_response: Callable[..., Any]
) -> Iterable[bytes]:
    _hold(environ, "before")
    result = project_application(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    _hold(environ, "after")
    return [body]
