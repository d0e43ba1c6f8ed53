"""The hall's own certificate authority: one CA per hall, a server certificate for its broker,
a client certificate per device (common name = device id). No internet, no public CA: a hall's
LAN trusts exactly its own CA. Keys are EC P-256, written with mode 0600.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 20
LEAF_YEARS = 10


@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(common: str, hall_id: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Yichuang hall {hall_id}"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)  # a little slack for clocks


class HallCA:
    """``HallCA.open(dir, hall_id)`` loads the CA in ``dir`` or creates it (ca.crt, ca.key)."""

    def __init__(self, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, directory: Path):
        self.cert, self.key, self.directory = cert, key, directory

    @property
    def cert_path(self) -> Path:
        return self.directory / "ca.crt"

    @classmethod
    def open(cls, directory: Path, hall_id: str) -> "HallCA":
        directory.mkdir(parents=True, exist_ok=True)
        crt, key_path = directory / "ca.crt", directory / "ca.key"
        if crt.exists() and key_path.exists():
            cert = x509.load_pem_x509_certificate(crt.read_bytes())
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            return cls(cert, key, directory)
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(f"Yichuang hall CA {hall_id}", hall_id)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(_now())
                .not_valid_after(_now() + dt.timedelta(days=365 * CA_YEARS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        _write_private(key_path, _key_pem(key))
        crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(cert, key, directory)

    def issue(self, common: str, out: Path, *, hosts: tuple[str, ...] = (), server: bool = False) -> Issued:
        """A leaf certificate for ``common`` in ``out`` (``<stem>.crt``/``.key``); kept if it exists
        and was signed by this CA, so provisioning again changes nothing on a running hall."""
        out.parent.mkdir(parents=True, exist_ok=True)
        crt, key_path = out.with_suffix(".crt"), out.with_suffix(".key")
        if crt.exists() and key_path.exists():
            old = x509.load_pem_x509_certificate(crt.read_bytes())
            if old.issuer == self.cert.subject:
                return Issued(crt, key_path)
        key = ec.generate_private_key(ec.SECP256R1())
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (x509.CertificateBuilder().subject_name(_name(common, self._hall_id()))
                   .issuer_name(self.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(_now())
                   .not_valid_after(_now() + dt.timedelta(days=365 * LEAF_YEARS))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if hosts:
            builder = builder.add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        _write_private(key_path, _key_pem(key))
        crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return Issued(crt, key_path)

    def _hall_id(self) -> str:
        org = self.cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        return str(org).removeprefix("Yichuang hall ")


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
