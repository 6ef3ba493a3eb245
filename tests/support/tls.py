"""A private CA and a server certificate for tests that serve HTTPS on 127.0.0.1 (openssl, ECDSA P-256)."""

import subprocess
from pathlib import Path


def make_certificates(directory: Path) -> Path:
    """Writes ca.crt/ca.key and server.crt with its key beside it as server.crt.key (HAProxy's naming),
    SAN IP:127.0.0.1 and DNS:localhost like the k8s_app role's; returns the CA certificate's path."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True, timeout=30)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", *ec, "-keyout", "server.crt.key", "-out", "server.csr", "-subj", "/CN=localhost")
    extensions = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    (directory / "ext.cnf").write_text(extensions)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt")
    return directory / "ca.crt"
