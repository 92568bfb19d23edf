"""Live-check fixtures run against the embedded emulator (prodstack's patched moto server on
loopback, one per test session, reset before each live state; no Terraform), and the web
sites the connectivity check needs: an HTTP and an HTTPS server on loopback with a
certificate made for the test and trusted through SSL_CERT_FILE."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.conftest import running_emulator


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "site.pem", folder / "site.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class LoopbackSites:
    """`World.site()`'s provider: servers on 127.0.0.1, stopped when the test ends."""

    def __init__(self, folder: Path) -> None:
        self.cert, self.key = _certificate(folder)
        self._servers: list[http.server.HTTPServer] = []
        self._sockets: list[socket.socket] = []

    def _start(self, handler: type[http.server.BaseHTTPRequestHandler],
               tls: bool) -> int:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, self.key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return int(server.server_address[1])

    def serve(self, redirect: bool, body: str) -> tuple[str, str]:
        page = body.encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        https_port = self._start(Page, tls=True)
        target = f"https://localhost:{https_port}/"

        class Redirect(Page):
            def do_GET(self) -> None:
                if not redirect:
                    super().do_GET()
                    return
                self.send_response(301)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

        http_port = self._start(Redirect, tls=False)
        return f"http://localhost:{http_port}/", target

    def listening_port(self) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        self._sockets.append(sock)
        return int(sock.getsockname()[1])

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for sock in self._sockets:
            sock.close()


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackSites]:
    provider = LoopbackSites(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(provider.cert))
    yield provider
    provider.close()


@pytest.fixture(scope="session")
def live_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import boto3  # noqa: F401  (imported before the emulator starts)

    with running_emulator(tmp_path_factory.mktemp("catalog-emulator")) as url:
        yield url


@pytest.fixture
def clients(live_emulator: str):  # type: ignore[no-untyped-def]
    """A fresh emulated account: the emulator is reset, then boto3 clients for it."""
    import boto3

    from prodstack.runtime import emulator

    emulator.reset(live_emulator)
    config = Config(retries={"max_attempts": 3, "mode": "standard"})

    def make(service: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, region_name="us-west-1", endpoint_url=live_emulator,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=config)

    return make
