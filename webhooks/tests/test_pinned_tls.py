"""A pinned HTTPS delivery connects to the checked IP yet verifies the
partner's certificate for its hostname and sends that name as TLS SNI: a
real TLS server on 127.0.0.1 with a certificate for the name only (no IP in
it) accepts the POST; one whose certificate names another host is refused."""

import datetime
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks.transport import post_signed
from webhooks.url_policy import CheckedUrl

NAME = "hooks.partner.example"


def _certificate(tmp_path: Path, dns_name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `dns_name` (no IP address) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    certificate_file = tmp_path / f"{dns_name}.pem"
    key_file = tmp_path / f"{dns_name}.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_file, key_file


@dataclass
class TlsReceiver:
    port: int
    server_names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


def _serve(tmp_path: Path, dns_name: str) -> Iterator[TlsReceiver]:
    certificate_file, key_file = _certificate(tmp_path, dns_name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_file, key_file)
    received = TlsReceiver(port=0)

    def remember_sni(sock: Any, server_name: str | None, ctx: Any) -> None:
        received.server_names.append(server_name)

    context.sni_callback = remember_sni

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            received.hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    received.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Trust the certificates the test servers present (httpx reads certifi)."""

    def trust(certificate_file: Path) -> None:
        monkeypatch.setattr(certifi, "where", lambda: str(certificate_file))

    return trust


def _target(port: int) -> CheckedUrl:
    return CheckedUrl(
        url=f"https://{NAME}:{port}/hooks",
        hostname=NAME,
        port=port,
        addresses=("127.0.0.1",),
    )


def test_the_certificate_is_verified_for_the_name_while_the_ip_is_pinned(
    tmp_path, trusting
):
    for receiver in _serve(tmp_path, NAME):
        trusting(tmp_path / f"{NAME}.pem")

        result = post_signed(
            target=_target(receiver.port), body=b"{}", headers={}, timeout_seconds=5
        )

        assert (result.status_code, result.error) == (204, "")
        assert receiver.server_names == [NAME]
        assert receiver.hosts == [f"{NAME}:{receiver.port}"]


def test_a_certificate_for_another_name_is_refused(tmp_path, trusting):
    for receiver in _serve(tmp_path, "other.example"):
        trusting(tmp_path / "other.example.pem")

        result = post_signed(
            target=_target(receiver.port), body=b"{}", headers={}, timeout_seconds=5
        )

        assert result.status_code is None
        assert "CERTIFICATE_VERIFY_FAILED" in result.error
        assert receiver.hosts == []
