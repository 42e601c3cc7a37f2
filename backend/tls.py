"""The host's TLS identity: one long-lived key, a certificate naming every way peers reach it, and
the fingerprint people compare.

- The key (ECDSA P-256) is made once, on first run, and kept in the data dir (0600). It is what
  peers pin: the **fingerprint** is the SHA-256 of the certificate's public key (its
  SubjectPublicKeyInfo), not of the whole certificate, so that renewing the certificate (it lasts
  at most ``VALIDITY_DAYS``; it is re-made ``RENEW_BEFORE_DAYS`` before it ends, or when this
  machine's addresses or name changed) keeps every app's pin valid. It is also exactly what
  chromium's ``--ignore-certificate-errors-spki-list`` and HPKP-style pins name.
- The fingerprint travels as 52 characters of base32 (A–Z, 2–7: no 0/O or 1/l to misread; case
  does not matter), shown in groups of four (``fingerprint_groups``): in invite links (``fp=``),
  QR codes, ``/api/info``, the headless banner and the mDNS TXT record.
- An organisation's own certificate and key (``--tls-cert/--tls-key``) replace the made one; the
  fingerprint is then that certificate's key's, and browsers trusting its CA show no warning.

Plain Python and ``cryptography``; nothing here knows about sockets or Flask (``connections.py``
serves it: ``server_context``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .paths import private_file
from .secrets_store import write_private

log = logging.getLogger(__name__)

KEY_FILE = "tls-key.pem"
CERT_FILE = "tls-cert.pem"
# The CA/Browser Forum's old ceiling for a server certificate; Apple's clients refuse longer.
VALIDITY_DAYS = 825
# Re-made this long before it ends (looked at when the host starts, then every
# Settings.tls_recheck_interval while it runs: server.py).
RENEW_BEFORE_DAYS = 30
# Base32 of 32 bytes, unpadded.
FINGERPRINT_CHARS = 52
_FINGERPRINT = re.compile(r"^[A-Z2-7]{52}$")


class TlsError(Exception):
    """A certificate or key that cannot be used (said to the person starting the host)."""


@dataclass(frozen=True, slots=True)
class TlsIdentity:
    cert_path: Path
    key_path: Path
    # base32 of SHA-256(SubjectPublicKeyInfo): what people compare and apps pin.
    fingerprint: str
    # base64 of the same hash: chromium's --ignore-certificate-errors-spki-list format.
    spki_sha256_b64: str
    not_after: dt.datetime
    # Tells a renewed certificate from the one before it (made in the same second, the times are
    # the same).
    serial: int = 0
    # True for --tls-cert/--tls-key (an organisation's certificate); False for the made one.
    custom: bool = False

    def groups(self) -> str:
        return fingerprint_groups(self.fingerprint)


def spki_sha256(cert: x509.Certificate) -> bytes:
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


def fingerprint_of(cert: x509.Certificate) -> str:
    return base64.b32encode(spki_sha256(cert)).decode("ascii").rstrip("=")


def fingerprint_of_der(der: bytes) -> str:
    """The fingerprint of a certificate as a peer presented it (DER bytes, e.g. from
    ``SSLSocket.getpeercert(binary_form=True)``)."""
    return fingerprint_of(x509.load_der_x509_certificate(der))


def normalize_fingerprint(value: str) -> str | None:
    """``value`` as the canonical 52 characters (spaces, dashes and case ignored), or None."""
    text = re.sub(r"[\s\-:]", "", value).upper()
    return text if _FINGERPRINT.match(text) else None


def fingerprint_groups(fingerprint: str) -> str:
    """``ABCD EFGH …``: what a person reads aloud or compares by eye."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def names_for(host_name: str, addresses: Iterable[str]) -> tuple[list[str], list[str]]:
    """The DNS names and IP addresses the certificate names: the host's name (as a DNS label when
    it is one), ``<name>.local``, this machine's hostname, localhost and every address."""
    dns: list[str] = ["localhost"]
    for name in (host_name, *_machine_names()):
        label = _dns_label(name)
        if label:
            for candidate in (label, f"{label}.local"):
                if candidate not in dns:
                    dns.append(candidate)
    ips: list[str] = []
    for address in ("127.0.0.1", "::1", *addresses):
        try:
            text = str(ipaddress.ip_address(address.split("%")[0]))
        except ValueError:
            continue
        if text not in ips:
            ips.append(text)
    return dns, ips


def _machine_names() -> list[str]:
    import socket

    name = socket.gethostname()
    return [name] if name else []


def _dns_label(name: str) -> str | None:
    """A host name as a DNS label ("Studio PC" → "studio-pc"), or None if nothing is left."""
    label = re.sub(r"[^a-z0-9-]+", "-", name.strip().lower()).strip("-")[:63]
    return label or None


def load_or_make(
    data_dir: Path,
    dns_names: list[str],
    ip_addresses: list[str],
    *,
    now: dt.datetime | None = None,
) -> TlsIdentity:
    """The host's identity from ``data_dir``, made on first run; the certificate re-made (same
    key) when it ends within ``RENEW_BEFORE_DAYS`` or no longer names every name and address."""
    now = now or dt.datetime.now(dt.UTC)
    key_path, cert_path = data_dir / KEY_FILE, data_dir / CERT_FILE
    key = _load_or_make_key(key_path)
    cert = _read_cert(cert_path)
    reason = _why_renew(cert, key, dns_names, ip_addresses, now)
    if reason:
        cert = _issue(key, dns_names, ip_addresses, now)
        write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
        log.info("TLS certificate %s (valid until %s)", reason, cert.not_valid_after_utc.date())
    private_file(cert_path)
    assert cert is not None
    return _identity(cert, cert_path, key_path, custom=False)


def from_files(cert_path: Path, key_path: Path) -> TlsIdentity:
    """An organisation's certificate (chain) and key, checked to belong together."""
    try:
        pem = cert_path.read_bytes()
        certs = x509.load_pem_x509_certificates(pem)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise TlsError(f"cannot read the TLS certificate or key: {exc}") from None
    leaf = certs[0]
    if _public_der(leaf.public_key()) != _public_der(key.public_key()):
        raise TlsError(f"{key_path} is not the key of {cert_path}")
    return _identity(leaf, cert_path, key_path, custom=True)


def _identity(cert: x509.Certificate, cert_path: Path, key_path: Path, custom: bool) -> TlsIdentity:
    digest = spki_sha256(cert)
    return TlsIdentity(
        cert_path=cert_path,
        key_path=key_path,
        fingerprint=base64.b32encode(digest).decode("ascii").rstrip("="),
        spki_sha256_b64=base64.b64encode(digest).decode("ascii"),
        not_after=cert.not_valid_after_utc,
        serial=cert.serial_number,
        custom=custom,
    )


def _public_der(public_key: object) -> bytes:
    return public_key.public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _load_or_make_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(path, pem.decode("ascii"))
        log.info("TLS: made this host's key (%s)", path)
        return key
    except (ValueError, TypeError) as exc:
        # Never replaced silently: every app that pinned this host would see another host.
        raise TlsError(
            f"{path} is not a usable key ({exc}); move it away to make a new one"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TlsError(f"{path} is not an ECDSA key")
    private_file(path)
    return key


def _read_cert(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None


def _why_renew(
    cert: x509.Certificate | None,
    key: ec.EllipticCurvePrivateKey,
    dns_names: list[str],
    ip_addresses: list[str],
    now: dt.datetime,
) -> str | None:
    if cert is None:
        return "made"
    if _public_der(cert.public_key()) != _public_der(key.public_key()):
        return "re-made for this host's key"
    if cert.not_valid_after_utc - now < dt.timedelta(days=RENEW_BEFORE_DAYS):
        return "renewed before it ends"
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "re-made with its names"
    named = set(san.get_values_for_type(x509.DNSName))
    addressed = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    if not (set(dns_names) <= named and set(ip_addresses) <= addressed):
        return "re-made for this machine's current names and addresses"
    return None


def _issue(
    key: ec.EllipticCurvePrivateKey, dns_names: list[str], ip_addresses: list[str], now: dt.datetime
) -> x509.Certificate:
    """A self-signed server certificate (not a CA: Firefox refuses a CA certificate as a server's),
    with the key identifiers, critical basic constraints and key usage strict X.509 verifiers
    (Python 3.13, OpenSSL 3) ask for. Apps do not chain-verify it anyway: they pin its key."""
    common = dns_names[1] if len(dns_names) > 1 else dns_names[0]
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Parley host"),
            x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
        ]
    )
    # Backdated an hour (a peer's clock a little behind); the whole span, not what is left of
    # it, is what Apple's clients hold to VALIDITY_DAYS.
    start = now - dt.timedelta(hours=1)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    sans: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
