"""Posting webhooks to tenants' URLs safely: http(s) only, allowed ports only, no private,
loopback or link-local addresses unless configured, a total timeout and a cap on the bytes read
back. The host is resolved once and every address checked, then the request goes to the checked
address (Host header and TLS server name kept), so DNS cannot swap in a private one between
the check and the connection."""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

EXCERPT_CHARS = 1000


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why and what is accepted."""


@dataclass(frozen=True)
class Destinations:
    """Where webhooks may go: port ranges, and whether private networks are reachable."""

    ports: tuple[tuple[int, int], ...]
    allow_private: bool

    @classmethod
    def parse(cls, ports: str, allow_private: bool) -> Destinations:
        ranges = []
        for part in ports.split(","):
            low, _, high = part.partition("-")
            ranges.append((int(low), int(high or low)))
        return cls(tuple(ranges), allow_private)

    def check(self, url: str) -> SplitResult:
        """The parsed URL; UnsafeUrl unless its scheme, port and literal address are allowed."""
        try:
            parts = urlsplit(url)
            port = parts.port if parts.port is not None else (
                443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise UnsafeUrl(f"not a URL: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise UnsafeUrl("the URL must start with https:// or http://")
        if any(ch.isspace() or not ch.isprintable() for ch in url):
            raise UnsafeUrl("the URL may not hold spaces or control characters (escape them as"
                            " %20 and the like)")
        if not parts.hostname or parts.username or parts.password:
            raise UnsafeUrl("the URL needs a host name and no user or password")
        if not any(low <= port <= high for low, high in self.ports):
            allowed = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in self.ports)
            raise UnsafeUrl(f"port {port} is not allowed; allowed ports: {allowed}")
        try:
            literal = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return parts  # a host name: its addresses are checked when it is resolved
        self.check_address(str(literal))
        return parts

    def check_address(self, address: str) -> None:
        """UnsafeUrl when the IP ``address`` is private and those are not allowed."""
        ip = ipaddress.ip_address(address)
        if not self.allow_private and (not ip.is_global or ip.is_private or ip.is_loopback
                                       or ip.is_link_local or ip.is_multicast or ip.is_reserved
                                       or ip.is_unspecified):
            # not is_global: also shared address space (100.64.0.0/10, carrier-grade NAT and
            # some clouds' metadata services) and the other ranges not routed on the internet
            raise UnsafeUrl(f"{address} is a private, loopback, shared or reserved address")

    async def resolve(self, parts: SplitResult) -> str:
        """An allowed address of the URL's host; UnsafeUrl if any address is not allowed."""
        host = parts.hostname or ""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, parts.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:  # UnicodeError: not a valid host name
            raise UnsafeUrl(f"the host {host} does not resolve: {exc}") from None
        addresses = sorted({str(info[4][0]) for info in infos})
        for address in addresses:
            self.check_address(address)
        return addresses[0]


@dataclass(frozen=True)
class Reply:
    """What one attempt got back: a status, or an error when no response came."""

    status: int | None
    latency_ms: float
    excerpt: str
    retry_after_s: float | None = None
    error: str | None = None


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def post(client: httpx.AsyncClient, destinations: Destinations, url: str,
               headers: dict[str, str], body: bytes, *, timeout_s: float, max_bytes: int
               ) -> Reply:
    """POST ``body`` to ``url``, reading at most ``max_bytes`` of the answer within
    ``timeout_s`` in all; redirects are not followed (a 3xx is a failed attempt)."""
    started = time.monotonic()

    def elapsed() -> float:
        return (time.monotonic() - started) * 1000

    try:
        async with asyncio.timeout(timeout_s):
            parts = destinations.check(url)
            address = await destinations.resolve(parts)
            host = f"[{address}]" if ":" in address else address
            netloc = host if parts.port is None else f"{host}:{parts.port}"
            target = parts._replace(netloc=netloc).geturl()
            request = client.build_request(
                "POST", target, content=body,
                headers={**headers, "host": parts.netloc, "content-type": "application/json",
                         "user-agent": "RiskStream-Webhooks/1"},
                extensions={"sni_hostname": parts.hostname or ""})
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                received = bytearray()
                async for chunk in response.aiter_raw():
                    received += chunk
                    if len(received) >= max_bytes:
                        break
            finally:
                await response.aclose()
    except UnsafeUrl as exc:
        return Reply(None, elapsed(), "", error=f"refused: {exc}")
    except TimeoutError:
        return Reply(None, elapsed(), "", error=f"no answer within {timeout_s} s")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # InvalidURL is no HTTPError
        return Reply(None, elapsed(), "", error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
    excerpt = bytes(received[:max_bytes]).decode("utf-8", "replace")[:EXCERPT_CHARS]
    return Reply(response.status_code, elapsed(), excerpt,
                 retry_after(response.headers.get("retry-after")))
