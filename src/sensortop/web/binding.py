"""Where ``sensortop serve`` listens, which names it answers to, and its token.

The rules of README "sensortop serve": loopback by default; any other address
needs ``--allow-remote`` and then a token (generated when none is given). The
Host names a bind accepts are worked out here, once, for the ``Guard``.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Iterable

from sensortop.web.guard import LOOPBACK_NAMES

MIN_TOKEN = 16
"""Characters a given token needs at least: it is the only lock on a remote view."""
TOKEN_BYTES = 24
"""A generated token's randomness: 192 bits, 32 URL-safe characters."""
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


class BindError(ValueError):
    """A host, token or combination that is bad usage (exit 2)."""


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address; any other name counts as remote."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, allow_remote: bool, token: str | None) -> str | None:
    """The token to require (None: none); BindError for a combination that is not allowed.

    A remote bind without a token gets a generated one. A token given for a loopback
    bind is required too (any local user can reach a loopback port).
    """
    if token is not None:
        if len(token) < MIN_TOKEN:
            raise BindError(f"--token must be at least {MIN_TOKEN} characters; "
                            "leave it out to have one generated")
        if not token.isascii() or not token.isprintable() or " " in token:
            raise BindError("--token must be printable ASCII without spaces")
    if is_loopback(host):
        return token
    if not allow_remote:
        raise BindError(f"--host {host} is reachable from other machines: add --allow-remote "
                        "(a token is then required; see README \"sensortop serve\")")
    return token or secrets.token_urlsafe(TOKEN_BYTES)


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> set[str]:
    """The Host header names this bind answers to.

    Loopback: the loopback names. A wildcard (``0.0.0.0``, ``::``): those, this machine's
    host names and every address of its interfaces. A given address or name: itself.
    ``extra`` (``--allow-host``) adds names, e.g. a DNS alias or a reverse proxy's.
    """
    name = host.strip("[]").lower()
    names = {name, *(e.strip("[]").rstrip(".").lower() for e in extra)}
    if is_loopback(name) or name in WILDCARDS:
        names |= LOOPBACK_NAMES
    if name in WILDCARDS:
        names |= _this_machine()
    names.discard("")
    return names


def _this_machine() -> set[str]:
    import psutil

    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family in (socket.AF_INET, socket.AF_INET6):
                names.add(address.address.split("%", 1)[0].lower())  # no IPv6 zone
    return names
