"""The shipped nginx site (deploy/nginx.conf) run for a test: test ports, a temporary prefix.

The site file is used as it is, with only its addresses and paths replaced, inside a minimal
main configuration like Debian's /etc/nginx/nginx.conf; so what is tested is what is shipped.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from requests.adapters import HTTPAdapter

from tests.server.helpers import ROOT

SITE = ROOT / "deploy" / "nginx.conf"
LOOPBACK = "127.0.0.1"


def nginx_binary() -> str | None:
    """Debian's nginx (/usr/sbin is not on every user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A P-256 certificate for 127.0.0.1, valid for a day; returns (certificate, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, LOOPBACK)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "certificate.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass(frozen=True)
class Proxy:
    http_url: str
    https_url: str
    certificate: Path  # what clients trust
    webroot: Path  # served under /.well-known/acme-challenge/
    access_log: Path
    error_log: Path


def site_for_test(text: str, *, replacements: dict[str, str]) -> str:
    """The site file with its addresses and paths replaced; each one must still be there."""
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text


def _main_config(prefix: Path, site: str) -> str:
    # As root, workers would switch to "nobody", who cannot read a test's private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n{user}"
        f"error_log {prefix / 'logs' / 'error.log'} notice;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temp}\n{site}\n}}\n"
    )


def _wait_for_port(process: subprocess.Popen, port: int, error_log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1):
                return
        except OSError:
            if process.poll() is not None:
                raise AssertionError(f"nginx exited:\n{error_log.read_text()}") from None
            assert time.monotonic() < deadline, "nginx did not listen within 15 s"
            time.sleep(0.05)


@contextmanager
def nginx(
    binary: str, prefix: Path, *, upstream_port: int, http_port: int, https_port: int
) -> Iterator[Proxy]:
    """Run deploy/nginx.conf in front of 127.0.0.1:``upstream_port``; yield a ``Proxy``."""
    for folder in ("logs", "temp", "webroot"):
        (prefix / folder).mkdir(parents=True)
    certificate, key = self_signed_certificate(prefix)
    site = site_for_test(
        SITE.read_text(),
        replacements={
            # The test listens on 127.0.0.1 only, on ports of its own.
            "    listen [::]:80;\n": "",
            "    listen [::]:443 ssl;\n": "",
            "listen 80;": f"listen {LOOPBACK}:{http_port};",
            "listen 443 ssl;": f"listen {LOOPBACK}:{https_port} ssl;",
            "/etc/letsencrypt/live/gopy.example/fullchain.pem": str(certificate),
            "/etc/letsencrypt/live/gopy.example/privkey.pem": str(key),
            "root /var/www/html;": f"root {prefix / 'webroot'};",
            "/var/log/nginx/": f"{prefix / 'logs'}/",
            "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://{LOOPBACK}:{upstream_port};",
        },
    )
    config = prefix / "nginx.conf"
    config.write_text(_main_config(prefix, site))
    error_log = prefix / "logs" / "error.log"
    output = open(prefix / "logs" / "stderr.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-e", str(error_log), "-c", str(config)],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(process, https_port, error_log)
        yield Proxy(
            http_url=f"http://{LOOPBACK}:{http_port}",
            https_url=f"https://{LOOPBACK}:{https_port}",
            certificate=certificate,
            webroot=prefix / "webroot",
            access_log=prefix / "logs" / "commune-feedback.access.log",
            error_log=error_log,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


class FromAddress(HTTPAdapter):
    """Connections that leave from a chosen loopback address (the "client" nginx sees)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str, certificate: Path) -> requests.Session:
    """A session whose TCP connections come from ``address`` and that trusts ``certificate``."""
    session = requests.Session()
    # Not the machine's CA bundle or proxy from the environment: this certificate, directly.
    session.trust_env = False
    session.verify = str(certificate)
    adapter = FromAddress(address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
