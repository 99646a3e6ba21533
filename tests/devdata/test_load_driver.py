"""The benchmark's load driver (providers/devdata/benchmark.py), against a small local server."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from providers.devdata import benchmark


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        failing = self.path.startswith("/fail")
        body = b"x" * (200_000 if self.path.startswith("/big") else 10)
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.seen.append((self.path, self.headers.get("HX-Request")))

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_the_driver_counts_answers_and_failures_and_sends_its_headers(server):
    port = server.server_address[1]
    result = benchmark.run(
        "127.0.0.1",
        port,
        "mixed",
        ["/ok", "/fail", "/big"],
        headers={"HX-Request": "true"},
        connections=3,
        duration=0.5,
    )
    assert result.statuses[200] > 0 and result.statuses[500] > 0
    assert result.errors == result.statuses[500]
    assert len(result.latencies) == result.statuses[200]
    assert len(server.seen) == sum(result.statuses.values())
    assert {path for path, _ in server.seen} == {"/ok", "/fail", "/big"}
    assert {header for _, header in server.seen} == {"true"}
    assert result.rate > 0 and result.p50 > 0


def test_the_driver_shares_connections_over_several_servers(server):
    port = server.server_address[1]
    result = benchmark.run_on(
        [("127.0.0.1", port), ("127.0.0.1", port)], "two", ["/a", "/b"], connections=2, duration=0.3
    )
    assert result.statuses == {200: len(result.latencies)} and result.latencies
