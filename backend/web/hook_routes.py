"""HTTP for incoming webhooks: ``POST /api/hooks/<id>/<secret>`` with ``{"text": ...}``.

The contract is docs/protocol.md, "Incoming webhooks"; the rules (the secret, the rate, posting as
the bot) are ``chat/bots.py``. A script's request carries no ``Origin`` and is let through; a page
on another site that tries to post sends its own ``Origin`` and is refused before anything else (the
Host check in security.py applies to every request, this one too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from .. import commands as c
from .. import protocol as p
from ..errors import Forbidden, Invalid, TooLarge
from .errors import LengthRequired
from .routes import host

bp = Blueprint("hooks", __name__)


def init_app(app: Flask, origin_ok: Callable[[str | None, dict[str, Any]], bool]) -> None:
    """Register the route; ``origin_ok`` says which page origins may call it (our own)."""
    app.extensions["parley_hook_origin_ok"] = origin_ok
    app.register_blueprint(bp)


@bp.post(f"{p.WEBHOOK_PATH}/<int:webhook_id>/<secret>")
def post(webhook_id: int, secret: str) -> tuple[Response, int]:
    origin = request.headers.get("Origin")
    if origin is not None and not current_app.extensions["parley_hook_origin_ok"](
        origin, request.environ
    ):
        raise Forbidden("Requests from other sites' pages are not accepted.")
    length = request.content_length
    if length is None:
        raise LengthRequired("Send the body with a Content-Length.")
    if length > p.WEBHOOK_BODY_MAX:
        raise TooLarge(
            f"A webhook body is at most {p.WEBHOOK_BODY_MAX // 1024} KiB.", limit=p.WEBHOOK_BODY_MAX
        )
    here = host()
    bots = here.chat.bots
    webhook = bots.authorize(webhook_id, secret)
    if request.mimetype != "application/json":
        raise Invalid('Send JSON: Content-Type: application/json and {"text": "..."}.')
    try:
        raw = request.get_data(cache=False)
    except OSError:  # the client stopped sending before its Content-Length (gevent's reader)
        raise Invalid("The body ended before its Content-Length.") from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not UTF-8 or not JSON; nested past any real body
        raise Invalid('The body is not JSON. Send {"text": "..."}.') from None
    limits = c.Limits(max_text_chars=here.settings.max_text_chars)
    message = bots.post(webhook, c.WebhookPost.decode(data, limits))
    return jsonify(ok=True, message=message.to_wire()), 200
