"""An offline guard: refuse network connections to anything but this machine (all steps).

The course promises to run without the internet. The test suite proves it by installing this
guard in every Python process it starts (pytest itself, notebook kernels, the vLLM server)
through ``sitecustomize`` when ``GENAI_DESIGN_OFFLINE_GUARD`` names a log file. A refused
attempt raises ``OfflineViolation`` where it happens *and* is appended to that log, so the suite
fails even when library code swallows the exception.

Left out on purpose: Unix sockets and loopback are always allowed; nothing is sent before the
check, so a refused address never sees a packet.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import traceback
from typing import Any

GUARD_ENV = "GENAI_DESIGN_OFFLINE_GUARD"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
_original: dict[str, Any] = {}


class OfflineViolation(ConnectionError):
    """Code tried to reach a non-loopback address while the offline guard was on."""


def is_loopback(host: object) -> bool:
    """True for 127.0.0.0/8, ::1, 0.0.0.0-style wildcards used to bind, and 'localhost'."""
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _record(what: str) -> None:
    log = os.environ.get(GUARD_ENV)
    if log:
        stack = "".join(traceback.format_stack(limit=12)[:-2])
        with open(log, "a") as handle:
            handle.write(f"pid {os.getpid()}: {what}\n{stack}\n")


def _check_address(family: int, address: Any) -> None:
    if family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        if not is_loopback(address[0]):
            _record(f"connect to {address!r}")
            raise OfflineViolation(f"offline guard: refused connection to {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    _check_address(self.family, address)
    return _original["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    _check_address(self.family, address)
    return _original["connect_ex"](self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and not is_loopback(name):
        _record(f"name lookup of {name!r}")
        raise OfflineViolation(f"offline guard: refused name lookup of {name!r}")
    return _original["getaddrinfo"](host, *args, **kwargs)


def install() -> None:
    """Patch socket connect/connect_ex/getaddrinfo in this process (idempotent)."""
    if _original:
        return
    _original.update(connect=socket.socket.connect, connect_ex=socket.socket.connect_ex,
                     getaddrinfo=socket.getaddrinfo)
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def uninstall() -> None:
    """Undo :func:`install`."""
    if not _original:
        return
    socket.socket.connect = _original["connect"]  # type: ignore[method-assign]
    socket.socket.connect_ex = _original["connect_ex"]  # type: ignore[method-assign]
    socket.getaddrinfo = _original["getaddrinfo"]
    _original.clear()
