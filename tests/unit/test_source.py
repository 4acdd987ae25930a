"""The source address a slow-down counts on: the peer, and X-Forwarded-For only from a
trusted proxy (geo/source.py; ui/client.py feeds it st.context)."""

import pytest

from geo.source import LOCAL, UNSURE, parse_proxies, server_rewrites, source_address

CADDY_HERE = parse_proxies("127.0.0.1")
LB = parse_proxies("10.0.0.0/8, 192.168.1.5")


@pytest.mark.parametrize("peer,xff,trusted,expected", [
    ("203.0.113.7", [], LB, "203.0.113.7"),  # a direct connection
    ("203.0.113.7", ["1.1.1.1"], LB, "203.0.113.7"),  # a client-sent header is ignored
    (None, ["1.1.1.1"], parse_proxies(""), LOCAL),  # the same machine, no proxy trusted
    (None, [], CADDY_HERE, LOCAL),  # a browser on the server itself
    (None, ["203.0.113.7"], CADDY_HERE, "203.0.113.7"),  # Caddy on the same machine
    (None, ["6.6.6.6, 203.0.113.7"], CADDY_HERE, "203.0.113.7"),  # what the client wrote first is ignored
    ("10.0.0.5", ["198.51.100.1, 10.0.0.7"], LB, "198.51.100.1"),  # two proxies of ours
    ("10.0.0.5", ["198.51.100.1", "10.0.0.7"], LB, "198.51.100.1"),  # the header twice
    ("192.168.1.5", ["203.0.113.7:5555"], LB, "203.0.113.7"),  # with a port
    ("10.0.0.5", ["[2001:db8:0:1::5]:443"], LB, "2001:db8:0:1::/64"),
    ("10.0.0.5", ["::ffff:203.0.113.7"], LB, "203.0.113.7"),
    ("10.0.0.5", ["unknown"], LB, "10.0.0.5"),  # a proxy passing on no address: the proxy itself
    ("10.0.0.5", ["10.0.0.9, 10.0.0.7"], LB, "10.0.0.9"),  # the client is a proxy of ours
    ("10.0.0.5", [" , "], LB, "10.0.0.5"),
    ("2001:db8:0:1::5", [], LB, "2001:db8:0:1::/64"),
    ("::ffff:203.0.113.7", [], LB, "203.0.113.7"),
    ("not an address", [], LB, UNSURE),
])
def test_source_address(peer, xff, trusted, expected):
    assert source_address(peer, xff, trusted=trusted) == expected


def test_a_spoofing_client_gets_the_same_key_whatever_it_writes():
    keys = {source_address("203.0.113.7", [f"10.{i}.{i}.{i}, 198.51.100.{i}"], trusted=LB) for i in range(50)}
    assert keys == {"203.0.113.7"}
    # behind a trusted proxy only the entry the proxy appended counts
    keys = {source_address("10.0.0.5", [f"198.51.100.{i}, 203.0.113.7"], trusted=LB) for i in range(50)}
    assert keys == {"203.0.113.7"}


def test_one_ipv6_network_is_one_source():
    """A connection can pick any address of its /64: they all count as one."""
    assert len({source_address(f"2001:db8:0:1::{i:x}", []) for i in range(1, 50)}) == 1
    assert source_address("2001:db8:0:1::1", []) != source_address("2001:db8:0:2::1", [])


def test_a_server_that_may_rewrite_the_peer_gets_one_shared_key():
    """uvicorn puts an X-Forwarded-For entry in the peer's place for FORWARDED_ALLOW_IPS
    (127.0.0.1 by default): then no header can buy a fresh key."""
    assert {source_address(f"198.51.100.{i}", [f"198.51.100.{i}"], trusted=CADDY_HERE, server_rewrites=True)
            for i in range(20)} == {UNSURE}
    assert source_address("198.51.100.1", [], server_rewrites=True) == "198.51.100.1"  # no header


@pytest.mark.parametrize("environ,rewrites", [
    ({}, True), ({"FORWARDED_ALLOW_IPS": ""}, False), ({"FORWARDED_ALLOW_IPS": "127.0.0.1"}, True),
    ({"FORWARDED_ALLOW_IPS": "*"}, True), ({"FORWARDED_ALLOW_IPS": "unix-socket"}, False),
])
def test_server_rewrites(environ, rewrites):
    assert server_rewrites(environ) is rewrites


def test_parse_proxies():
    proxies = parse_proxies("127.0.0.1, 10.0.0.0/8 ::1 fel 300.1.1.1")
    assert proxies.rejected == ("fel", "300.1.1.1")
    assert "10.2.3.4" in proxies and "::1" in proxies and "11.0.0.1" not in proxies and None not in proxies
    assert not parse_proxies("") and not parse_proxies("fel") and "8.8.8.8" in parse_proxies("*")
