"""Where load may go: a URL on this machine (loopback), or the deployment's own address.

Owns URL parsing, the loopback test, the list of (host, port) pairs the load generators may
connect to (`allowed`, enforced in every locust process by `prodstack.ops.loadtest.guard`), and
the probe before a run. Every refusal is a `UserError` (exit 2) on one line.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from prodstack.core.errors import UserError
from prodstack.ops.loadtest.limits import PROBE_TIMEOUT_S


@dataclass(frozen=True)
class Target:
    """A validated URL split the way locust wants it: a host (scheme://netloc) and a path."""

    url: str
    base: str
    path: str
    hostname: str
    port: int


def parse_url(url: str) -> Target:
    """Accept http(s)://host[:port][/path][?query]; anything else is a UserError (exit 2)."""
    if not url or any(ch.isspace() for ch in url):
        raise UserError(f"malformed URL {url!r}: it must not be empty or contain spaces",
                        exit_code=2)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UserError(f"malformed URL {url!r}: it must start with http:// or https://",
                        exit_code=2)
    try:
        port = parts.port
    except ValueError:
        raise UserError(f"malformed URL {url!r}: the port is not a number from 1 to 65535",
                        exit_code=2) from None
    if not parts.hostname:
        raise UserError(f"malformed URL {url!r}: it names no host", exit_code=2)
    if port == 0:
        raise UserError(f"malformed URL {url!r}: the port is not a number from 1 to 65535",
                        exit_code=2)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url=url, base=f"{parts.scheme}://{parts.netloc}", path=path,
                  hostname=parts.hostname,
                  port=port or (443 if parts.scheme == "https" else 80))


def addresses(hostname: str, port: int) -> set[str]:
    """The IP addresses `hostname` resolves to; an unresolvable name is bad input."""
    try:
        infos = socket.getaddrinfo(hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UserError(f"cannot resolve {hostname!r}", exit_code=2) from None
    return {str(info[4][0]) for info in infos}


def is_loopback(hostname: str, port: int) -> bool:
    """True when every address `hostname` resolves to is on this machine."""
    found = addresses(hostname, port)
    return bool(found) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback
                               for a in found)


def deployment_targets(outputs: dict[str, Any]) -> list[Target]:
    """The deployment's own addresses: its HTTPS URL and its HTTP URL (the stack's outputs)."""
    return [parse_url(outputs[key]) for key in ("url", "http_url") if outputs.get(key)]


def check_allowed(target: Target, deployment: list[Target] | None) -> list[tuple[str, int]]:
    """The (host, port) pairs the load may reach, or a one-line refusal.

    Without a deployment only loopback is allowed; with one, loopback or the deployment's own
    host (its HTTPS and HTTP ports)."""
    if is_loopback(target.hostname, target.port):
        return [(target.hostname, target.port)]
    if deployment is None:
        raise UserError(f"{target.url} is not on this machine: without --env/--target the load "
                        "test only loads loopback (127.0.0.1, ::1, localhost); give --env and "
                        "--target to load the deployment's own URL", exit_code=2)
    own = {t.hostname.lower() for t in deployment}
    if target.hostname.lower() not in own:
        raise UserError(f"{target.url} is neither on this machine nor the deployment's own "
                        f"address ({', '.join(sorted(own))})", exit_code=2)
    return sorted({(t.hostname, t.port) for t in deployment})


def probe(target: Target) -> None:
    """One TCP connection before the run: an address that takes none is bad input (exit 2)."""
    where = f"{target.hostname}:{target.port}"
    try:
        with socket.create_connection((target.hostname, target.port), timeout=PROBE_TIMEOUT_S):
            pass
    except socket.gaierror:
        raise UserError(f"cannot resolve {target.hostname!r} (from {target.url})",
                        exit_code=2) from None
    except ConnectionRefusedError:
        raise UserError(f"{where} refuses connections (from {target.url})", exit_code=2) from None
    except TimeoutError:
        raise UserError(f"{where} did not accept a connection within {PROBE_TIMEOUT_S:g} s "
                        f"(from {target.url})", exit_code=2) from None
    except OSError as exc:
        raise UserError(f"cannot connect to {where}: {exc.strerror or exc}", exit_code=2) from None


def parse_bind(text: str, option: str = "--master-bind") -> tuple[str, int]:
    """HOST:PORT of the master's worker port (PORT 0: any free port); `option` names it."""
    host, sep, port_text = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise UserError(f"{option} {text!r}: expected HOST:PORT, e.g. 0.0.0.0:5557",
                        exit_code=2)
    return host, int(port_text)


def bind_is_loopback(host: str) -> bool:
    """The master's bind host is on loopback only (`*` and 0.0.0.0 are every interface)."""
    if host in ("*", "0.0.0.0", "::"):
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
