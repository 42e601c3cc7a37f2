"""HTTP: the UI (ui/dist), /healthz, /api/info, /api/hosts, /api/selfcheck; the error shape for
every route. Socket.IO is in events.py, files in file_routes.py."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException, NotFound

from .. import netinfo, offload
from ..errors import ChatError, StorageFull
from ..host import Host
from . import errors
from .security import content_security_policy

bp = Blueprint("parley", __name__)

# Below this much free space in the data dir, the host says it is not healthy: SQLite's WAL, a
# checkpoint or the next upload chunk would fail soon.
HEALTHY_FREE_BYTES = 16 * 1024 * 1024

# Shown when the UI was never built (a source checkout before `make run`/`make ui`).
UI_MISSING = (
    "<!doctype html><meta charset=utf-8><title>Parley</title>"
    "<p>The Parley host is running, but its UI is not built. Run <code>make run</code> (or "
    "<code>make ui</code>) in the source tree. Socket.IO clients can connect already.</p>"
)


def host() -> Host:
    """The host this request reached (``app.extensions["parley"]``)."""
    found: Host = current_app.extensions["parley"]
    return found


def _ui_dist() -> Path:
    return host().settings.ui_dist


@bp.get("/")
def index() -> Response:
    dist = _ui_dist()
    if not (dist / "index.html").is_file():
        return Response(UI_MISSING, status=503, mimetype="text/html")
    response = send_from_directory(dist, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # index.html names hashed assets: always fresh
    return response


@bp.get("/<path:path>")
def asset(path: str) -> Response:
    # send_from_directory refuses paths escaping the folder (../), so clients pick no other file.
    return send_from_directory(_ui_dist(), path, max_age=3600)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 while the host can serve and store; 503 (and why) while it cannot store anything."""
    here = host()
    failure = here.db.write_failure
    free = offload.blocking(shutil.disk_usage, here.settings.data_dir).free
    if failure is None and free >= HEALTHY_FREE_BYTES:
        return jsonify(ok=True), 200
    problem = failure if isinstance(failure, ChatError) else StorageFull()
    body, _, _ = errors.chat_error(problem)
    return jsonify(body), 503


@bp.get("/api/info")
def info() -> Response:
    here = host()
    identity = here.identity
    return jsonify(
        name=identity.name,
        version=identity.version,
        host_id=identity.host_id,
        needs_code=identity.join_code is not None,
        urls=here.join_urls(),
        # The TLS key's fingerprint (None: this host serves plain HTTP: everyone is told so).
        tls=here.tls is not None,
        fingerprint=here.fingerprint,
        custom_certificate=here.tls is not None and here.tls.custom,
        max_upload_bytes=here.settings.max_upload_bytes,  # clients refuse bigger files up front
    )


@bp.get("/api/hosts")
def hosts() -> Response:
    """Other Parley hosts this host sees on the LAN (a browser cannot do mDNS itself)."""
    here = host()
    found = here.discovery.hosts() if here.discovery is not None else []
    return jsonify(discovery=here.settings.discovery, hosts=found)


@bp.get("/api/selfcheck")
def selfcheck() -> Response:
    """What this host listens on, which of its LAN URLs answer, and whether it is advertising."""
    here = host()
    urls = here.join_urls()
    # Over https an address counts when this host's own key answers there.
    reached = [offload.blocking(netinfo.answers, url, 1.5, here.fingerprint) for url in urls]
    advertised_on = here.discovery.advertised_on if here.discovery is not None else []
    return jsonify(
        listening={"host": here.settings.host, "port": here.port},
        addresses=[{"url": url, "answers": ok} for url, ok in zip(urls, reached, strict=True)],
        discovery=here.settings.discovery,
        advertising=bool(advertised_on),
        advertised_on=advertised_on,
    )


@bp.after_app_request
def security_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = content_security_policy(
            request.headers.get("Host", ""), secure=request.scheme == "https"
        )
    return response


@bp.app_errorhandler(ChatError)
def chat_error(exc: ChatError) -> tuple[Response, int, dict[str, str]]:
    body, status, headers = errors.chat_error(exc)
    return jsonify(body), status, headers


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    code = "not_found" if isinstance(exc, NotFound) else "invalid"
    return jsonify(errors.body(code, exc.description or exc.name)), status
