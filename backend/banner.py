"""What a person at a terminal needs to let others in: the URLs, the code, the invite link and the
fingerprint to compare (shared by ``python -m backend`` and the desktop app without a window)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .tls import fingerprint_groups

if TYPE_CHECKING:
    from .server import ServerHandle


def invite_link(url: str, code: str | None, fingerprint: str | None) -> str:
    """``URL#code=…&fp=…``: the join code and the key to pin, in the fragment (never sent to a
    server, kept out of Referer headers and logs)."""
    parts = [f"code={code}"] if code is not None else []
    if fingerprint is not None:
        parts.append(f"fp={fingerprint}")
    return url + ("#" + "&".join(parts) if parts else "")


def join_lines(handle: ServerHandle, lan_heading: str, local_heading: str) -> list[str]:
    urls = handle.join_urls
    lines = [lan_heading if urls else local_heading]
    lines += [f"  {url}" for url in urls]
    code, fingerprint = handle.join_code, handle.fingerprint
    lines.append(f"Join code: {code}" if code is not None else "Join code: none (open host)")
    if urls:
        lines.append(f"Invite link: {invite_link(urls[0], code, fingerprint)}")
    if fingerprint is None:
        lines.append("Encryption: OFF (--no-tls): anyone on the LAN can read the chat")
    else:
        lines.append(f"Fingerprint: {fingerprint_groups(fingerprint)}")
        lines.append("  (a browser warns once about this host's own certificate: compare this)")
    lines.append(f"On this machine: {handle.url}")
    return lines
