"""httpx clients that share one TLS context per process.

httpx makes a TLS context for every client that has no transport of its own, reading
certifi's CA bundle again: 25–45 ms of CPU a client on a 2-core machine (measured), paid by
every `egov` command, every readiness probe of a bus start, the desks' client, every
time-stamp request of the signing helper, and the tests' clients of a running bus. A context
may be shared; this one is what httpx makes by default (certifi's bundle, or SSL_CERT_FILE /
SSL_CERT_DIR where set), made once.

The services call each other with aiohttp (`servicekit.gateway_client`), which shares its
context already.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx


@functools.cache
def tls() -> ssl.SSLContext:
    """httpx's default TLS context, made on first use."""
    return httpx.create_ssl_context()


def async_client(**options: Any) -> httpx.AsyncClient:
    """`httpx.AsyncClient(**options)` on the shared context unless `options` name another."""
    options.setdefault("verify", tls())
    return httpx.AsyncClient(**options)


def sync_client(**options: Any) -> httpx.Client:
    """`httpx.Client(**options)` on the shared context unless `options` name another."""
    options.setdefault("verify", tls())
    return httpx.Client(**options)
