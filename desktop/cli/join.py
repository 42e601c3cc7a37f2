"""``parley join INVITE_OR_URL --name NAME [--code CODE]``: sign this device in to a host and save
its token (logins.py), so the other commands need no code or name.

``parley join URL --token -`` signs in with a token someone gave this device (a bot's, from the
host settings: read from stdin so it never shows in the process list) and saves it the same way.

A host this device joined before is signed in to with the saved token (the same user as before);
only a token the host no longer knows (removed device, host data reset) makes it join anew.
"""

from __future__ import annotations

import argparse
import sys

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
    args = p.parse_args(argv)
    if args.token is not None and args.name is not None:
        p.error("--token signs in as the token's user: leave out --name")
    return client.run("join", lambda: _join(p, args))


def _join(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    url, link_code = client.parse_target(args.target)
    code = args.code if args.code is not None else link_code
    info = client.host_info(url)
    host_id = str(info["host_id"])
    directory = logins.config_dir(args.config_dir)
    try:
        saved = logins.by_host_id(directory, host_id)
    except OSError as exc:
        raise client.Failure(str(exc)) from None
    conn = None
    reused = False
    given = _given_token(args.token)
    if given is not None:
        conn = client.Connection(url, {"token": given})  # a refused token: exit 1, bad_token
    elif saved is not None and (args.name is None or _same_name(saved.user, args.name)):
        try:
            conn = client.Connection(url, {"token": saved.token})
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
        conn = client.Connection(url, {"name": args.name, "code": code or ""})
    try:
        welcome_id = str(conn.server.get("host_id") or host_id)
        login = logins.Login(
            host_id=welcome_id,
            url=url,
            token=str(conn.welcome.get("token") or given or (saved.token if saved else "")),
            user={"id": conn.user.get("id"), "name": conn.user.get("name")},
            server=str(conn.server.get("name") or info.get("name") or ""),
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
            }
        )
    else:
        verb = "signed in to" if reused else "joined"
        client.say(f"{verb} {login.server} ({login.url}) as {login.user['name']}; saved in {path}")
    return 0


def _given_token(option: str | None) -> str | None:
    if option is None:
        return None
    token = sys.stdin.readline().strip() if option == "-" else option.strip()
    if not token:
        raise client.Failure("no token given (--token - reads one line from stdin)", "bad_token")
    return token


def _same_name(user: dict[str, object], name: str) -> bool:
    return " ".join(name.split()).casefold() == str(user.get("name", "")).casefold()
