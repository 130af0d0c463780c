"""What one push request costs the sender's HTTP client: aiohttp (what the worker uses) against
httpx, the client that would bring HTTP/2 (``httpx[http2]``), in the same run.

    .venv/bin/python -m benchmarks.push_http_clients [--requests 3000] [--concurrency 50]

Both POST the same encrypted message with the same headers to the push service double (its own
process, on 127.0.0.1) over keep-alive HTTP/1.1 connections, ``--concurrency`` at once; the
client's own CPU time per request is printed with its ratio to aiohttp's, twice each. HTTP/2
would send over one connection, but through httpx's client stack, whose HTTP/1.1 cost is
measured here; the double speaks HTTP/1.1 only. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import requests

from app.push.encryption import SubscriberKeys, encrypt
from app.push.vapid import VapidKey, VapidSigner
from benchmarks.push_fanout import start_double


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    count, concurrency = args.requests, args.concurrency

    key = VapidKey.generate()
    double, origin = start_double(0.0, key.application_server_key)
    try:
        sub = requests.post(f"{origin}/_double/subscriptions", timeout=10).json()
        keys = SubscriberKeys.from_b64(sub["keys"]["p256dh"], sub["keys"]["auth"])
        body = encrypt(b'{"title":"Th\\u00f4ng b\\u00e1o"}', keys)
        headers = {
            "TTL": "60",
            "Urgency": "normal",
            "Topic": "a1",
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": VapidSigner(key, "mailto:bench@example.vn").authorization_for_origin(
                origin
            ),
        }

        async def with_aiohttp() -> None:
            connector = aiohttp.TCPConnector(limit=concurrency)
            async with aiohttp.ClientSession(connector=connector) as http:
                gate = asyncio.Semaphore(concurrency)

                async def one() -> None:
                    async with gate, http.post(sub["endpoint"], data=body, headers=headers) as r:
                        await r.read()
                        assert r.status == 201, r.status

                await asyncio.gather(*(one() for _ in range(count)))

        async def with_httpx() -> None:
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(limits=limits) as http:
                gate = asyncio.Semaphore(concurrency)

                async def one() -> None:
                    async with gate:
                        r = await http.post(sub["endpoint"], content=body, headers=headers)
                        assert r.status_code == 201, r.status_code

                await asyncio.gather(*(one() for _ in range(count)))

        def measure(run: Callable[[], Awaitable[None]]) -> float:
            cpu = time.process_time()
            asyncio.run(run())  # type: ignore[arg-type]
            return (time.process_time() - cpu) / count * 1e6

        print(f"{count} push requests, {concurrency} at once; client CPU per request")
        for _ in range(2):
            base = measure(with_aiohttp)
            other = measure(with_httpx)
            ratio = other / base
            print(f"  aiohttp {base:6.0f} µs   httpx {other:6.0f} µs   ({ratio:4.1f}x aiohttp)")
    finally:
        double.terminate()
        double.wait(10)


if __name__ == "__main__":
    main()
