"""Which URLs may receive webhooks: http(s) only, allowed ports, no private addresses unless
configured, and the refusal says what would be accepted."""

from __future__ import annotations

import pytest

from infra.webhook_http import Destinations, UnsafeUrl, retry_after

PUBLIC = Destinations.parse("80,443,8000-8999", allow_private=False)


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://example.com/x", "https:// or http://"),
    ("https://user:pw@example.com/", "no user or password"),
    ("https://example.com:22/", "allowed ports: 80, 443, 8000-8999"),
    ("http://127.0.0.1/hook", "private, loopback"),
    ("http://10.1.2.3:8080/hook", "private, loopback"),
    ("http://[::1]/hook", "private, loopback"),
    ("http://169.254.169.254/latest", "private, loopback"),
    ("not a url", "https:// or http://"),
    ("http://100.64.0.1:8080/x", "shared"),  # carrier-grade NAT
    ("http://100.100.100.200/latest/meta-data/", "shared"),  # a cloud's metadata service
    ("http://93.184.215.14:0/x", "port 0 is not allowed"),  # not "no port given"
    ("http://93.184.215.14/a\r\nX-Injected: 1", "spaces or control characters"),
    ("http://93.184.215.14/a b", "spaces or control characters"),
    ("http://93.184.215.14/a\tb", "spaces or control characters"),
])
def test_unsafe_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason.replace("(", r"\(")):
        PUBLIC.check(url)


def test_allowed_urls_pass_and_private_ones_pass_when_configured() -> None:
    assert PUBLIC.check("https://hooks.example.com/x").hostname == "hooks.example.com"
    assert PUBLIC.check("http://93.184.215.14:8080/x").port == 8080
    Destinations.parse("1024-65535", allow_private=True).check("http://127.0.0.1:9000/x")


async def test_a_host_resolving_to_a_private_address_is_refused() -> None:
    with pytest.raises(UnsafeUrl, match="private"):
        await PUBLIC.resolve(PUBLIC.check("http://localhost/x"))


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("120") == 120.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
