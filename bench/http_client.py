"""Per-request cost of the HTTP clients we could use, on the loopback sandbox: why the runtime calls urllib3.

    .venv/bin/python bench/http_client.py --pages 1000

Fetches the same 50-post Discourse pages (`/posts.json?before=N`, ~60 KB each) through requests.Session,
a urllib3 PoolManager, and http.client, and prints one JSON line of milliseconds per page for each. The server's
share is the same for all three, so the differences are the clients' own cost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from pathlib import Path

import requests
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulse.sandbox.server import DEFAULT_CREDENTIALS, make_server  # noqa: E402
from pulse.sandbox.world import generate_world  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args(argv)
    creds = DEFAULT_CREDENTIALS["discourse"]
    headers = {"Api-Key": creds["api_key"], "Api-Username": creds["api_username"]}
    server = make_server(generate_world(7, 20_000, 26), rate_limits=False).warm()
    server.start()
    try:
        url = server.url
        top = requests.get(f"{url}/discourse/posts.json", headers=headers, timeout=30).json()["latest_posts"][
            0
        ]["id"]

        def timed(fetch) -> float:
            started, before = time.perf_counter(), top
            for _ in range(args.pages):
                fetch(before)
                before -= 50
            return round((time.perf_counter() - started) * 1000 / args.pages, 3)

        session = requests.Session()
        session.headers.update(headers)
        session.trust_env = False
        pool = urllib3.PoolManager()
        host, port = url.split("//")[1].split(":")
        conn = http.client.HTTPConnection(host, int(port))

        def raw(before: int) -> bytes:
            conn.request("GET", f"/discourse/posts.json?before={before}", headers=headers)
            return conn.getresponse().read()

        out = {
            "pages": args.pages,
            "requests_ms_per_page": timed(
                lambda b: session.get(f"{url}/discourse/posts.json", params={"before": b}, timeout=30).content
            ),
            "urllib3_ms_per_page": timed(
                lambda b: pool.request("GET", f"{url}/discourse/posts.json?before={b}", headers=headers).data
            ),
            "http_client_ms_per_page": timed(raw),
            "command": " ".join(["bench/http_client.py", *(argv if argv is not None else sys.argv[1:])]),
        }
    finally:
        server.stop()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
