"""The address a sign-in or a join try comes from: the key its slow-down counts on.

The address is the connection's peer.  A client-sent ``X-Forwarded-For`` header is believed
only when the peer is a proxy named in ``TRUSTED_PROXIES`` (addresses or networks, comma
separated); then the address is the right-most entry of the header that is not itself a
trusted proxy (each proxy appends the address it was reached from, so the entries left of
it are whatever the client wrote).

The web server (uvicorn, under Streamlit 1.67) would otherwise put an entry of
``X-Forwarded-For`` in the peer's place by itself whenever the peer is one of
``FORWARDED_ALLOW_IPS`` (by default 127.0.0.1 and ::1, so any program on the server could
name any address), and the real peer is then lost.  ``scripts/run-app.sh`` therefore sets
``FORWARDED_ALLOW_IPS`` to nothing.  Where it is not set to nothing, the app cannot tell a
real peer from a header's word, and every try that carries ``X-Forwarded-For`` counts on one
shared key (:data:`UNSURE`): a spoofed header never gives a fresh key per try.

Streamlit reports a peer on the same machine (127.0.0.1 or ::1) as no address: that is
:data:`LOCAL`, one key for every browser on the server itself.  An IPv6 address counts by
its /64 network, the block one connection can choose its address from.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL = "local"  # a browser on the server itself
UNSURE = "proxy"  # the web server may have replaced the peer: one key for all such tries
LOOPBACK = ("127.0.0.1", "::1")  # what Streamlit reports as no address
SERVER_DEFAULT = "127.0.0.1,::1"  # uvicorn's FORWARDED_ALLOW_IPS when it is not set


@dataclass(frozen=True)
class Proxies:
    """Trusted addresses: ``networks``, or ``everything`` (``*``: only where nothing but the
    proxy can reach the app); ``rejected`` are the entries of the setting that are no address
    or network (they trust nothing)."""

    networks: tuple[Network, ...] = ()
    everything: bool = False
    rejected: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.everything or bool(self.networks)

    def __contains__(self, host: object) -> bool:
        if self.everything:
            return True
        ip = _ip(host) if isinstance(host, str) else None
        return ip is not None and any(ip.version == n.version and ip in n for n in self.networks)


NOBODY = Proxies()


def parse_proxies(spec: str | None) -> Proxies:
    """``TRUSTED_PROXIES`` (or ``FORWARDED_ALLOW_IPS``): addresses and networks separated by
    commas or spaces, ``*`` for every address."""
    networks: list[Network] = []
    rejected: list[str] = []
    for entry in (spec or "").replace(",", " ").split():
        if entry == "*":
            return Proxies(everything=True)
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            rejected.append(entry)
    return Proxies(tuple(networks), rejected=tuple(rejected))


def server_rewrites(environ: Mapping[str, str]) -> bool:
    """Whether the web server may have put an ``X-Forwarded-For`` entry in the peer's place:
    uvicorn's ``FORWARDED_ALLOW_IPS`` (127.0.0.1 and ::1 when it is not set) names an
    address."""
    return bool(parse_proxies(environ.get("FORWARDED_ALLOW_IPS", SERVER_DEFAULT)))


def source_address(peer: str | None, forwarded_for: Iterable[str] = (), *,
                   trusted: Proxies = NOBODY, server_rewrites: bool = False) -> str:
    """The key of the address a try comes from (see the module's doc).

    ``peer`` is the connection's address as Streamlit reports it (None: the same machine),
    ``forwarded_for`` the values of the ``X-Forwarded-For`` headers, ``trusted`` the proxies
    of ``TRUSTED_PROXIES``, and ``server_rewrites`` whether the web server may have replaced
    the peer (:func:`server_rewrites`)."""
    chain = [entry.strip() for value in forwarded_for for entry in value.split(",")]
    chain = [entry for entry in chain if entry]
    if chain and server_rewrites:
        return UNSURE
    fallback = address_key(peer) or UNSURE
    peer_trusted = any(host in trusted for host in LOOPBACK) if peer is None else peer in trusted
    if not peer_trusted or not chain:
        return fallback
    for entry in reversed(chain):
        host = _host(entry)
        if host in trusted:
            continue
        return address_key(host) or fallback  # a trusted proxy passed on something odd
    return address_key(_host(chain[0])) or fallback  # the client is a trusted proxy itself


def address_key(host: str | None) -> str | None:
    """An address as a slow-down key: IPv4 as it is, IPv6 as its /64 network, the same
    machine as :data:`LOCAL`; None for what is no address."""
    if host is None:
        return LOCAL
    ip = _ip(host)
    if ip is None:
        return None
    if ip.is_loopback:
        return LOCAL
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(host.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _host(entry: str) -> str:
    """The address of an ``X-Forwarded-For`` entry without its port: ``1.2.3.4``,
    ``1.2.3.4:5678``, ``2001:db8::1``, ``[2001:db8::1]:443``."""
    if entry.startswith("["):
        end = entry.find("]")
        return entry[1:end] if end > 0 else entry
    if entry.count(":") == 1:
        host, port = entry.rsplit(":", 1)
        return host if port.isdigit() else entry
    return entry
