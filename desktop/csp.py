"""Make pywebview's js_api work under the host UI's CSP (``script-src 'self'``: no eval).

pywebview 6.2.1 needs eval in two places, and WebKitGTK (like WKWebView) applies the page's CSP to
both:

1. The injected ``window.pywebview.api`` stubs are built with ``new Function(params, body)``
   (``webview/js/api.js``); under the CSP that throws EvalError and ``window.pywebview.api`` stays
   empty. We rewrite that one statement, after pywebview loads the file, into an ordinary closure
   with the same body.
2. A call's result is delivered with ``window.evaluate_js(...)``, which wraps the script in
   ``eval()`` (``webview/window.py``), so the JS promise never settles. Known upstream:
   https://github.com/r0x0r/pywebview/issues/1243 (open). For our window only, ``evaluate_js`` is
   replaced by ``run_js``, which hands the script to WebKit as is (privileged, not subject to the
   page's CSP). Nothing else of ours calls evaluate_js; pywebview's DOM helpers would, and we don't
   use them.

Loosening the CSP with 'unsafe-eval' instead would weaken the page against injected script for every
client, LAN browsers included. tests/desktop checks both fixes against the real window, so a pywebview
upgrade that changes either spot fails loudly.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger(__name__)

# The statement in webview/js/api.js (6.2.1) that builds each stub; whitespace-tolerant.
_NEW_FUNCTION = re.compile(
    r"nestedObject\[functionName\]\s*=\s*new Function\(\s*sanitize_params\(params\),\s*funcBody\s*\);"
)
# Same behaviour as pywebview's funcBody, as a closure over the function's name.
_CLOSURE = """nestedObject[functionName] = (function (name) {
        return function () {
          var __id = (Math.random() + '').substring(2);
          var promise = new Promise(function (resolve, reject) {
            window.pywebview._checkValue(name, resolve, reject, __id);
          });
          window.pywebview._jsApiCallback(name, Array.prototype.slice.call(arguments), __id);
          return promise;
        };
      })(funcName);"""

_installed = False


def install() -> None:
    """Patch pywebview's script loader once per process (before the first window loads)."""
    global _installed
    if _installed:
        return
    import webview.util as util

    original = util.load_js_files

    def load_js_files(window: Any, platform: str) -> tuple[str, str]:
        js_code, finish_script = original(window, platform)
        patched, count = _NEW_FUNCTION.subn(lambda _m: _CLOSURE, js_code)
        if count != 1:
            log.error(
                "pywebview's api.js changed: js_api stubs are not CSP-safe (%d matches)", count
            )
        return patched, finish_script

    util.load_js_files = load_js_files  # inject_pywebview looks it up in util's globals per call
    _installed = True


def without_eval(window: Any) -> None:
    """Deliver js_api results to this window without ``eval`` (see module docstring, item 2)."""

    def evaluate_js(script: str, callback: Any = None) -> Any:
        return window.run_js(script)

    window.evaluate_js = evaluate_js
