"""``parley join INVITE_OR_URL --name NAME [--code CODE]``: sign this device in to a host and save
its token (logins.py), so the other commands need no code or name.

``parley join URL --token -`` signs in with a token someone gave this device (a bot's, from the
host settings: read from stdin so it never shows in the process list) and saves it the same way.

A host this device joined before is signed in to with the saved token (the same user as before);
only a token the host no longer knows (removed device, host data reset) makes it join anew.

Over https the host's key is pinned before a code, name or token is sent, and saved with the login:
the fingerprint an invite link carries (``fp=``) or ``--fingerprint FP`` is checked; else the one
saved for that address or host; else it is a first use, like SSH: the key is printed in groups to
compare with the host's screen and the person is asked. Scripts (``--json``, or no terminal on
stdin) are refused a first use unless ``--trust-on-first-use``. Another key than the pinned one is
exit 3, ``fingerprint_mismatch``. A fingerprint given explicitly replaces the saved one (the host
was reinstalled and its new invite link says so).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from backend import fingerprint_groups
from desktop import pinning
from desktop.cli import client, logins


def main(argv: list[str]) -> int:
    p = client.parser(
        "join", "Join a host (invite link, URL or ADDR:PORT) and save the login.", host=False
    )
    p.add_argument("target", metavar="INVITE_OR_URL", help="an invite link, a URL or ADDR[:PORT]")
    p.add_argument(
        "--name", help="your name on that host (not needed if this device joined it before)"
    )
    p.add_argument("--code", help="the host's join code (an invite link carries it)")
    p.add_argument(
        "--token",
        metavar="TOKEN|-",
        help="sign in with this device token (a bot's); - reads it from stdin",
    )
    p.add_argument(
        "--fingerprint",
        metavar="FP",
        help="the host's key fingerprint as its screen shows it (an invite link carries it)",
    )
    p.add_argument(
        "--trust-on-first-use",
        action="store_true",
        help="without a fingerprint, pin whatever key the host presents now (scripts)",
    )
    args = p.parse_args(argv)
    if args.token is not None and args.name is not None:
        p.error("--token signs in as the token's user: leave out --name")
    return client.run("join", lambda: _join(p, args))


def _join(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    target = client.parse_target(args.target)
    url = target.url
    code = args.code if args.code is not None else target.code
    given_fp = client.given_fingerprint(args.fingerprint) if args.fingerprint else None
    given_fp = given_fp or target.fingerprint
    directory = logins.config_dir(args.config_dir)
    https = url.startswith("https:")
    try:
        known = logins.by_url(directory, url) if https else None
        pinned = given_fp or (known.fingerprint if known else None)
        presented: list[str] = []
        info = client.host_info(url, pinned, presented.append)
        host_id = str(info["host_id"])
        saved = logins.by_host_id(directory, host_id)
    except OSError as exc:
        raise client.Failure(str(exc)) from None
    fingerprint = None
    if https:
        fingerprint = presented[-1]
        if pinned is None:
            if saved is not None and saved.fingerprint and saved.fingerprint != fingerprint:
                # The host says it is one this device pinned, with another key.
                raise client.Mismatch(pinning.PinMismatch(url, saved.fingerprint, fingerprint))
            if saved is None or saved.fingerprint != fingerprint:
                _first_use(args, url, info, fingerprint)
    conn = None
    reused = False
    given = _given_token(args.token)
    if given is not None:
        # A refused token: exit 1, bad_token.
        conn = client.Connection(url, {"token": given}, fingerprint=fingerprint)
    elif saved is not None and (args.name is None or _same_name(saved.user, args.name)):
        try:
            conn = client.Connection(url, {"token": saved.token}, fingerprint=fingerprint)
            reused = True
        except client.Failure as exc:
            if exc.code != "bad_token":
                raise
    if conn is None:
        if not args.name:
            p.error("--name is required to join a host for the first time")
        if info.get("needs_code") and not code:
            raise client.Failure(
                f"{info.get('name', url)} needs a join code: pass --code or use an invite link",
                "bad_code",
            )
        auth = {"name": args.name, "code": code or ""}
        conn = client.Connection(url, auth, fingerprint=fingerprint)
    try:
        welcome_id = str(conn.server.get("host_id") or host_id)
        login = logins.Login(
            host_id=welcome_id,
            url=url,
            token=str(conn.welcome.get("token") or given or (saved.token if saved else "")),
            user={"id": conn.user.get("id"), "name": conn.user.get("name")},
            server=str(conn.server.get("name") or info.get("name") or ""),
            fingerprint=fingerprint,
        )
        path = logins.save(directory, login)
    except OSError as exc:
        raise client.Failure(f"joined, but cannot save the login: {exc}") from None
    finally:
        conn.close()
    if args.json:
        client.emit(
            {
                "host_id": login.host_id,
                "server": login.server,
                "url": login.url,
                "user": login.user,
                "reused": reused,
                "config": str(path),
                "fingerprint": fingerprint,
            }
        )
    else:
        verb = "signed in to" if reused else "joined"
        client.say(f"{verb} {login.server} ({login.url}) as {login.user['name']}; saved in {path}")
        if fingerprint is None:
            client.say("not encrypted: this host speaks plain http")
        else:
            client.say(f"host key pinned: {fingerprint_groups(fingerprint)}")
    return 0


def _first_use(args: argparse.Namespace, url: str, info: dict[str, Any], presented: str) -> None:
    """Nothing vouches for this key yet: the person compares it with the host's screen (or a
    script said it trusts the first key it meets)."""
    groups = fingerprint_groups(presented)
    if args.trust_on_first_use:
        if not args.json:
            client.say(f"first use of {url}: trusting the key it presents, {groups}")
        return
    if args.json or not sys.stdin.isatty():
        raise client.Failure(
            f"{url} is new to this device and its key is {groups}: compare it with the host's "
            "screen, then join with its invite link or --fingerprint "
            "(or --trust-on-first-use)",
            "unverified_host",
        )
    name = str(info.get("name") or url)
    client.say(f"First time joining {name} at {url}. Its key's fingerprint is:")
    client.say(f"  {groups}")
    client.say("Compare it with the fingerprint on the host's screen (its invite panel).")
    try:
        answer = input("Is it the same? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise client.Failure("not joined: the host's key was not confirmed", "unverified_host")


def _given_token(option: str | None) -> str | None:
    if option is None:
        return None
    token = sys.stdin.readline().strip() if option == "-" else option.strip()
    if not token:
        raise client.Failure("no token given (--token - reads one line from stdin)", "bad_token")
    return token


def _same_name(user: dict[str, object], name: str) -> bool:
    return " ".join(name.split()).casefold() == str(user.get("name", "")).casefold()
