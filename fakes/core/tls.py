"""TLS on demand: a generated certificate authority (trustme) and a server certificate for local hosts."""

from __future__ import annotations

import ssl
import tempfile
from pathlib import Path

import trustme

DEFAULT_HOSTS = ("127.0.0.1", "localhost", "::1", "*.salesforce.com", "*.mypurecloud.com",
                 "login.salesforce.com", "test.salesforce.com")


class LocalCA:
    """One CA per running `serve`/`certify`; its PEM is written to `ca_path` for SSL_CERT_FILE."""

    def __init__(self, directory: str | Path | None = None, hosts: tuple[str, ...] = DEFAULT_HOSTS) -> None:
        self._ca = trustme.CA(organization_name="omni-harness local CA")
        self._cert = self._ca.issue_cert(*hosts)
        self.directory = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="omni-harness-tls-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca_path = self.directory / "omni-harness-ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_path))

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._cert.configure_cert(ctx)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        self._ca.configure_trust(ctx)
        return ctx
