"""TLS on the host's port, from outside: the certificate the host makes (names, lifetime, files,
renewal keeping the key), an organisation's own, a mismatched pair refused at start, --no-tls, and
a real client doing everything over https and wss (chat, uploads, downloads, export) with the
host's certificate as its only trust anchor (as ``curl --cacert`` would)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import ipaddress
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from backend import ServerHandle, Settings, netinfo, start_server, tls
from tests.conftest import JOIN_CODE
from tests.hostproc import REPO, HostProcess
from tests.rawws import masked, raw_websocket, read_frame, signed_in

TIMEOUT = 10


def spki_fingerprint(cert: x509.Certificate) -> str:
    """Computed here, from the certificate as served, not with backend/tls.py's helper."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b32encode(hashlib.sha256(spki).digest()).decode().rstrip("=")


def served_certificate(port: int) -> x509.Certificate:
    """The certificate the port presents to a TLS client (no verification: just looking)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
            der = conn.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def https(handle: ServerHandle) -> str:
    return f"https://127.0.0.1:{handle.port}/"


def trusting(cert_file: Path) -> requests.Session:
    session = requests.Session()
    # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would win over ``verify``): this one only.
    session.trust_env = False
    session.verify = str(cert_file)
    return session


@pytest.fixture
def cert_file(live_server: ServerHandle) -> Path:
    return live_server.settings.data_dir / tls.CERT_FILE


def test_the_certificate_names_this_host_lasts_825_days_and_is_kept_private(
    live_server: ServerHandle, cert_file: Path
) -> None:
    data_dir = live_server.settings.data_dir
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    assert cert == served_certificate(live_server.port)  # the file is what the port serves
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(san.get_values_for_type(x509.DNSName))
    ips = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    # The host's name "Test host" as a DNS label, bare and .local; localhost; this machine.
    label = socket.gethostname().lower()
    assert {"localhost", "test-host", "test-host.local", label, f"{label}.local"} <= dns
    # Every address of this machine (the LAN ones peers type), and loopback.
    local = {str(ipaddress.ip_address(a.split("%")[0])) for a in netinfo.all_local_addresses()}
    assert {"127.0.0.1", "::1"} | local <= ips
    # At most 825 days from start to end (Apple's clients refuse longer), valid now.
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= dt.timedelta(days=825)
    now = dt.datetime.now(dt.UTC)
    assert cert.not_valid_before_utc <= now < cert.not_valid_after_utc
    assert cert.not_valid_after_utc - now > dt.timedelta(days=820)
    # ECDSA P-256, a server certificate and not a CA (browsers refuse a CA as a server's).
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    # The key and the certificate are readable by this user only.
    for name in (tls.KEY_FILE, tls.CERT_FILE):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
    # OpenSSL itself accepts it for 127.0.0.1 with nothing but itself as the anchor.
    assert trusting(cert_file).get(f"{https(live_server)}healthz", timeout=TIMEOUT).ok


def test_api_info_and_the_invite_name_the_key_people_compare(
    live_server: ServerHandle, cert_file: Path, connect: Any
) -> None:
    info = trusting(cert_file).get(f"{https(live_server)}api/info", timeout=TIMEOUT).json()
    served = served_certificate(live_server.port)
    assert info["tls"] is True and info["custom_certificate"] is False
    assert info["fingerprint"] == spki_fingerprint(served) == live_server.fingerprint
    assert len(info["fingerprint"]) == 52 and set(info["fingerprint"]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    )
    assert info["urls"] and all(url.startswith("https://") for url in info["urls"])
    # Plain loopback (this machine) says the same.
    plain = requests.get(f"{live_server.url}api/info", timeout=TIMEOUT).json()
    assert plain["fingerprint"] == info["fingerprint"]
    # The host's invite panel gets it with the code and the https URLs (for the link's fp=).
    owner = connect(owner_key=live_server.owner_url.split("#owner=")[1])
    invite = owner.call("get_invite", {})
    assert invite["fingerprint"] == info["fingerprint"]
    assert invite["urls"] == info["urls"] and invite["code"] == JOIN_CODE


def test_the_key_survives_restarts_and_renewals(settings: Settings, tmp_path: Path) -> None:
    # A real host, stopped and started again: the same key, the same certificate.
    first = start_server(settings)
    fingerprint, cert_pem = first.fingerprint, (settings.data_dir / tls.CERT_FILE).read_bytes()
    first.stop()
    again = start_server(settings)
    try:
        assert again.fingerprint == fingerprint
        assert (settings.data_dir / tls.CERT_FILE).read_bytes() == cert_pem
    finally:
        again.stop()

    # The clock moved on (injected): 30 days before the end, a new certificate, the same key.
    data = tmp_path / "renew"
    data.mkdir()
    dns, ips = ["localhost", "studio", "studio.local"], ["127.0.0.1", "192.168.1.20"]
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    made = tls.load_or_make(data, dns, ips, now=t0)
    key_pem = (data / tls.KEY_FILE).read_bytes()
    cert0 = (data / tls.CERT_FILE).read_bytes()
    assert tls.load_or_make(data, dns, ips, now=t0 + dt.timedelta(days=700)) == made
    assert (data / tls.CERT_FILE).read_bytes() == cert0  # nothing to renew yet
    late = t0 + dt.timedelta(days=800)
    renewed = tls.load_or_make(data, dns, ips, now=late)
    assert renewed.fingerprint == made.fingerprint
    assert renewed.not_after > made.not_after and renewed.not_after - late >= dt.timedelta(days=824)
    assert (data / tls.KEY_FILE).read_bytes() == key_pem
    assert (data / tls.CERT_FILE).read_bytes() != cert0

    # The machine got another address: re-made at once, naming it, with the same key.
    moved = tls.load_or_make(data, dns, [*ips, "10.4.4.4"], now=late)
    cert = x509.load_pem_x509_certificate((data / tls.CERT_FILE).read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("10.4.4.4") in san.get_values_for_type(x509.IPAddress)
    assert moved.fingerprint == made.fingerprint == spki_fingerprint(cert)
    assert (data / tls.KEY_FILE).read_bytes() == key_pem
    for name in (tls.KEY_FILE, tls.CERT_FILE):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600


def test_a_running_host_renews_its_certificate_without_a_restart(
    settings: Settings, tmp_path: Path
) -> None:
    """An always-on box: the certificate on disk is 20 days from its end (as if the host had run
    805 days); the host's next look re-makes it with the same key and serves it at once."""
    handle = start_server(settings.replace(tls_recheck_interval=0.3))
    try:
        data = settings.data_dir
        first = served_certificate(handle.port)
        # Made beside it with the same key, then moved in at once: the host may look any time.
        aside = tmp_path / "aside"
        aside.mkdir()
        shutil.copy(data / tls.KEY_FILE, aside / tls.KEY_FILE)
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=805)
        dns, ips = tls.names_for(settings.name, ["127.0.0.1"])
        tls.load_or_make(aside, dns, ips, now=long_ago)  # the same key, 20 days left
        os.replace(aside / tls.CERT_FILE, data / tls.CERT_FILE)
        ending = x509.load_pem_x509_certificate((data / tls.CERT_FILE).read_bytes())
        assert ending.not_valid_after_utc - dt.datetime.now(dt.UTC) < dt.timedelta(days=21)

        deadline = time.monotonic() + 10
        served = served_certificate(handle.port)
        while served.serial_number in (first.serial_number, ending.serial_number):
            assert time.monotonic() < deadline, "the host never served a renewed certificate"
            time.sleep(0.2)
            served = served_certificate(handle.port)
        assert served.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=824)
        assert spki_fingerprint(served) == handle.fingerprint  # the key, so every pin, is kept
        on_disk = x509.load_pem_x509_certificate((data / tls.CERT_FILE).read_bytes())
        assert on_disk == served, (on_disk.not_valid_after_utc, served.not_valid_after_utc)
    finally:
        handle.stop()


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def organisation_pki(where: Path) -> tuple[Path, Path, Path, x509.Certificate]:
    """A CA and a leaf for 127.0.0.1 it signed: (ca.pem, leaf chain, leaf key, leaf)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Example Org CA"))
        .issuer_name(_name("Example Org CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("chat.example.org"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("chat.example.org"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_file, chain, key_file = where / "ca.pem", where / "chain.pem", where / "leaf-key.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    chain.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    key_file.write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, chain, key_file, leaf


@pytest.fixture
def pki(tmp_path: Path) -> tuple[Path, Path, Path, x509.Certificate]:
    where = tmp_path / "org"
    where.mkdir()
    return organisation_pki(where)


def _port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def test_an_organisations_certificate_is_served_instead(
    tmp_path: Path, pki: tuple[Path, Path, Path, x509.Certificate]
) -> None:
    ca_file, chain, key_file, leaf = pki
    data = tmp_path / "data"
    host = HostProcess(data, "--tls-cert", str(chain), "--tls-key", str(key_file))
    try:
        port = _port_of(host.url)
        # Trusting only the organisation's CA (what its browsers do): no warning, it verifies.
        info = trusting(ca_file).get(f"https://127.0.0.1:{port}/api/info", timeout=TIMEOUT)
        assert info.json()["custom_certificate"] is True
        assert info.json()["fingerprint"] == spki_fingerprint(leaf)
        assert served_certificate(port) == leaf
        banner = "".join(host.output)
        assert tls.fingerprint_groups(spki_fingerprint(leaf)) in banner
        # The host made no key or certificate of its own.
        assert not (data / tls.KEY_FILE).exists() and not (data / tls.CERT_FILE).exists()
    finally:
        assert host.stop() == 0


def test_a_certificate_with_another_key_is_refused_at_start(
    tmp_path: Path, pki: tuple[Path, Path, Path, x509.Certificate]
) -> None:
    _, chain, _, _ = pki
    other = tmp_path / "other-key.pem"
    other.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "backend", "--host", "127.0.0.1", "--port", "0", "--no-discovery"]
        + ["--data-dir", str(tmp_path / "data"), "--tls-cert", str(chain), "--tls-key", str(other)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"parley: {other} is not the key of {chain}" in done.stderr
    assert "serving" not in done.stdout  # it never said it was up


def test_no_tls_serves_plain_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    host = HostProcess(data, "--no-tls")
    try:
        banner = "".join(host.output)
        assert "Encryption: OFF" in banner and "Fingerprint:" not in banner
        info = requests.get(f"{host.url}api/info", timeout=TIMEOUT).json()
        assert info["tls"] is False and info["fingerprint"] is None
        assert info["custom_certificate"] is False
        # A TLS client gets no TLS: the port speaks plain HTTP only.
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", _port_of(host.url)), timeout=TIMEOUT) as raw:
            with pytest.raises((ssl.SSLError, ConnectionError)):
                ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        assert not (data / tls.KEY_FILE).exists()  # no key made for nothing
    finally:
        assert host.stop() == 0


def wss(handle: ServerHandle, cert_file: Path, name: str) -> tuple[socket.socket, bytes, Any]:
    """A wss:// client trusting exactly the host's certificate, joined as ``name``: (socket, bytes
    read beyond the welcome, the welcome). Hand-made (tests/rawws.py): python-socketio's client
    reads and writes one TLS connection from two threads, which CPython's ssl does not support."""
    origin = f"Origin: https://127.0.0.1:{handle.port}\r\n"
    s, rest, _ = raw_websocket(handle.port, origin, cafile=cert_file)
    rest, welcome = signed_in(s, rest, {"name": name, "code": JOIN_CODE})
    return s, rest, welcome


def test_chat_files_and_export_over_https_and_wss(
    live_server: ServerHandle, cert_file: Path
) -> None:
    ana, ana_rest, ana_welcome = wss(live_server, cert_file, "ana")
    bob, bob_rest, _ = wss(live_server, cert_file, "bob")
    room = ana_welcome["rooms"][0]["id"]
    send = {"room_id": room, "text": "over wss", "client_id": "c1"}
    ana.sendall(masked(0x1, ("421" + json.dumps(["send_message", send])).encode()))
    seen = b""
    while b'"message_created"' not in seen:
        _opcode, seen, bob_rest = read_frame(bob, bob_rest)
    assert json.loads(seen[2:])[1]["text"] == "over wss"
    token = ana_welcome["token"]
    ana.close()
    bob.close()

    base = https(live_server)
    origin = {"Origin": base.rstrip("/")}
    http = trusting(cert_file)
    http.headers.update({"Authorization": f"Bearer {token}", **origin})
    data = bytes(range(256)) * 1000
    body = {
        "room_id": room,
        "name": "notes.bin",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    created = http.post(f"{base}api/uploads", json=body, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    upload_id, chunk = created.json()["upload_id"], created.json()["chunk_size"]
    answer: dict[str, Any] = {}
    for offset in range(0, len(data), chunk):
        sent = http.put(
            f"{base}api/uploads/{upload_id}",
            data=data[offset : offset + chunk],
            headers={"Upload-Offset": str(offset)},
            timeout=TIMEOUT,
        )
        assert sent.status_code == 200, sent.text
        answer = sent.json()
    file_id = answer["file"]["id"]
    assert http.get(f"{base}api/files/{file_id}", timeout=TIMEOUT).content == data

    exported = http.get(f"{base}api/export", params={"scope": "mine"}, timeout=TIMEOUT)
    assert exported.status_code == 200, exported.text
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(exported.content)).namelist()

    # An https connection takes only https pages as its own: an http:// Origin is another site.
    refused = http.get(
        f"{base}api/files/{file_id}",
        headers={"Origin": f"http://127.0.0.1:{live_server.port}"},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 403


def test_the_page_over_https_lets_sockets_only_back_over_wss(
    live_server: ServerHandle, cert_file: Path
) -> None:
    port = live_server.port
    page = trusting(cert_file).get(https(live_server), timeout=TIMEOUT)
    csp = page.headers["Content-Security-Policy"]
    assert f"connect-src 'self' wss://127.0.0.1:{port};" in csp
    assert "ws://" not in csp
    plain = requests.get(live_server.url, timeout=TIMEOUT).headers["Content-Security-Policy"]
    assert f"connect-src 'self' ws://127.0.0.1:{port};" in plain  # this machine, plain loopback


def test_the_self_check_reaches_every_address_over_https(
    live_server: ServerHandle, cert_file: Path
) -> None:
    check = trusting(cert_file).get(f"{https(live_server)}api/selfcheck", timeout=30).json()
    assert check["addresses"] and all(a["url"].startswith("https://") for a in check["addresses"])
    assert all(a["answers"] for a in check["addresses"]), check
