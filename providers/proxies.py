"""Which outgoing proxy a request to a service goes through, from the standard variables,
read as curl and Python's urllib read them, so that a site behind a proxy reaches its
services with the settings every other program on the machine uses.

- ``https_proxy``/``HTTPS_PROXY`` serves https URLs (through ``CONNECT``: the TLS session
  is ours, end to end), ``http_proxy``/``HTTP_PROXY`` plain http ones. Lower case wins;
  ``HTTP_PROXY`` is ignored under CGI, where a request's ``Proxy:`` header would set it.
  A proxy named without a scheme is ``http://``; ``user:password@`` in it is sent to the
  proxy (``Proxy-Authorization``), never to a service. Proxies speak HTTP: no SOCKS.
- ``no_proxy``/``NO_PROXY`` names what is reached directly, separated by commas or spaces:
  ``*`` alone for everything; a name for itself and every name below it (``example.org``
  and ``.example.org`` alike); ``name:port`` or ``[v6]:port`` for that port only; an IP
  address or CIDR network (``10.0.0.0/8``, ``fd00::/8``) for the addresses written in
  the URL (a name is never resolved to check it).

aiohttp reads these variables itself with ``trust_env``, but then it also reads
``~/.netrc`` and sends the passwords there to the hosts it names: hence this module.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.request import getproxies_environment

from yarl import URL

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class NoProxyEntry:
    """One entry of ``no_proxy``: a name and the names below it, or a network."""

    name: str = ""
    network: Network | None = None
    port: int | None = None  # None: every port

    def matches(self, host: str, address: Address | None, port: int | None) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return address is not None and address in self.network
        return host == self.name or host.endswith("." + self.name)


@dataclass(frozen=True)
class Proxies:
    """The proxy of each URL scheme, and the hosts reached without one."""

    by_scheme: Mapping[str, URL]
    no_proxy: tuple[NoProxyEntry, ...] = ()
    everything_direct: bool = False

    def proxy_for(self, url: URL) -> URL | None:
        """The proxy to send ``url`` through, or None to connect to it directly."""
        proxy = self.by_scheme.get(url.scheme)
        if proxy is None or self.everything_direct:
            return None
        host = (url.host or "").rstrip(".").lower()
        address = _address(host)
        if any(entry.matches(host, address, url.port) for entry in self.no_proxy):
            return None
        return proxy


def proxies_from_environment() -> Proxies | None:
    """The proxies the environment sets; None when it sets none, so that a request then
    costs nothing more than it did before proxies were honoured."""
    found = getproxies_environment()
    by_scheme = {
        scheme: URL(value if "://" in value else f"http://{value}")
        for scheme in ("http", "https")
        if (value := found.get(scheme, "").strip())
    }
    if not by_scheme:
        return None
    no_proxy = found.get("no", "").strip()
    entries = [no_proxy_entry(entry) for entry in _SEPARATORS.split(no_proxy) if entry]
    return Proxies(
        by_scheme=by_scheme,
        no_proxy=tuple(entry for entry in entries if entry is not None),
        everything_direct=no_proxy == "*",
    )


def no_proxy_entry(entry: str) -> NoProxyEntry | None:
    """A ``no_proxy`` entry as a rule; None for one that names nothing (``.``)."""
    host, port = _host_and_port(entry.lower())
    try:
        return NoProxyEntry(network=ipaddress.ip_network(host.strip("[]"), strict=False), port=port)
    except ValueError:
        pass
    name = host.strip(".")
    return NoProxyEntry(name=name, port=port) if name else None


def _host_and_port(entry: str) -> tuple[str, int | None]:
    """``name:port``, ``v4:port`` and ``[v6]:port`` apart; a bare IPv6 address, with
    its colons, has no port."""
    if entry.startswith("["):
        host, _, rest = entry.partition("]")
        port = rest.removeprefix(":")
        return host + "]", int(port) if port.isdigit() else None
    host, colon, port = entry.rpartition(":")
    if colon and ":" not in host and port.isdigit():
        return host, int(port)
    return entry, None


def _address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
