"""SSRF guard for provider base URLs: https only, public addresses only, unless allowlisted.

The check runs when a provider is saved and again on every connection: the transport resolves
the host, checks every address and connects to the checked one (TLS still verifies the name),
so a DNS answer that changes between the check and the connection cannot redirect a request.
"""

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2

from app.core.errors import UnprocessableInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class UnsafeProviderURL(UnprocessableInput):
    """The base URL points at an address the platform must not reach."""

    code = "unsafe_provider_url"


@dataclass(frozen=True)
class Allowlist:
    """Hosts and networks an admin allowed although they are not public (LAN, loopback)."""

    hosts: frozenset[str]
    networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, setting: str) -> "Allowlist":
        """Read `LLM_PROVIDER_ALLOWED_HOSTS`: hosts or CIDRs, comma-separated."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for item in (part.strip().lower() for part in setting.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        """Whether the host is allowed by name or, for an address literal, by network."""
        if host in self.hosts:
            return True
        address = _literal(host)
        return address is not None and self.allows_address(address)

    def allows_address(self, address: IPAddress) -> bool:
        """Whether the address lies in an allowed network."""
        return any(address in network for network in self.networks)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_url_shape(url: str, allow: Allowlist) -> str:
    """The URL's host after checking scheme and form; http only for allowlisted hosts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise UnsafeProviderURL(f"Base URL {url!r} has no host.")
    if parts.username or parts.password:
        raise UnsafeProviderURL("Base URL must not carry credentials; enter the API key instead.")
    if parts.scheme == "https" or (parts.scheme == "http" and allow.allows_host(host)):
        return host
    raise UnsafeProviderURL(
        f"Base URL must use https (plain http only for hosts in LLM_PROVIDER_ALLOWED_HOSTS); "
        f"got {parts.scheme or 'no scheme'!r}.",
        details={"field": "base_url"},
    )


def check_addresses(host: str, addresses: Iterable[IPAddress], allow: Allowlist) -> IPAddress:
    """The first address to connect to, after checking that every one may be reached."""
    checked = list(addresses)
    if not checked:
        raise UnsafeProviderURL(f"Host {host!r} does not resolve to any address.")
    if host in allow.hosts:
        return checked[0]
    for address in checked:
        if not _is_public(address) and not allow.allows_address(address):
            raise UnsafeProviderURL(
                f"Host {host!r} resolves to {address}, a private, loopback, link-local or "
                "metadata address; list it in LLM_PROVIDER_ALLOWED_HOSTS to allow it.",
                details={"field": "base_url", "host": host, "address": str(address)},
            )
    return checked[0]


def _addresses(infos: Iterable[tuple[Any, ...]]) -> list[IPAddress]:
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(info[4][0].split("%", 1)[0])] = None
    return list(seen)


def resolve_checked(host: str, allow: Allowlist) -> IPAddress:
    """Resolve (blocking) and check the host; used when a provider is saved."""
    literal = _literal(host)
    if literal is not None:
        return check_addresses(host, [literal], allow)
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeProviderURL(
            f"Host {host!r} cannot be resolved: {exc.strerror or exc}.",
            details={"field": "base_url", "host": host},
        ) from exc
    return check_addresses(host, _addresses(infos), allow)


async def resolve_checked_async(host: str, allow: Allowlist) -> IPAddress:
    """Resolve (without blocking the loop) and check the host; used on every connection."""
    literal = _literal(host)
    if literal is not None:
        return check_addresses(host, [literal], allow)
    try:
        infos = await anyio.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeProviderURL(f"Host {host!r} cannot be resolved: {exc}.") from exc
    return check_addresses(host, _addresses(infos), allow)


def check_base_url(url: str, allow: Allowlist) -> None:
    """Refuse a base URL that is not https or reaches a non-public address (save time)."""
    resolve_checked(check_url_shape(url, allow), allow)


class PinnedTransport(httpx2.AsyncBaseTransport):
    """Checks each request's URL and host, then connects to the address it checked."""

    def __init__(self, allow: Allowlist, inner: httpx2.AsyncBaseTransport | None = None) -> None:
        self._allow = allow
        self._inner = inner or httpx2.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Resolve, check and pin the connection; keep the Host header and the TLS name."""
        host = check_url_shape(str(request.url), self._allow)
        address = await resolve_checked_async(host, self._allow)
        if _literal(host) is None:
            request.url = request.url.copy_with(host=str(address))
            if request.url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._inner.aclose()
