"""Real app server processes (gunicorn) for tests, and a small cookie-keeping HTTP client.

The servers run in production mode (DEBUG off, a real secret key, HTTPS redirect on);
the client says it came through a TLS proxy with ``X-Forwarded-Proto: https``.
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(8101, 8120)


def database_url() -> str:
    """The test database, as a URL other processes can use."""
    from django.db import connection

    given = connection.settings_dict
    user = quote(given["USER"] or "")
    password = f":{quote(given['PASSWORD'])}" if given["PASSWORD"] else ""
    host, port = given["HOST"] or "", given["PORT"] or ""
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{given['NAME']}?host={host}"
    return f"postgresql://{user}{password}@{host}{f':{port}' if port else ''}/{given['NAME']}"


def free_port(taken: set[int] = frozenset()) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port between {PORTS.start} and {PORTS.stop - 1}.")


@dataclass
class AppServer:
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def process_environment(database_url: str, workdir: Path, **env: str) -> dict[str, str]:
    """What an app server or task worker process started by a test runs with."""
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "DATABASE_REPLICA_URL"}
    }
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.platform.server_settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "true",
            "MEDIA_ROOT": str(workdir / "media"),
            # The master's index keeper (providers/directory/shared.py) stays idle and the
            # workers build their own: each test's flush is a TRUNCATE, a change of
            # everything, and a build the master started on it could deadlock with the next
            # test's flush. test_shared_index_server.py turns both on.
            "DIRECTORY_SHARED_REFRESH_S": "3600",
            "DIRECTORY_SHARED_WAIT_S": "0",
            **env,
        }
    )
    return base


def run_worker(database_url: str, workdir: Path, timeout: float = 120, **env: str) -> str:
    """Run the task worker until no task is left (``db_worker --batch``); return its output."""
    finished = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=process_environment(database_url, workdir, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = finished.stdout + finished.stderr
    if finished.returncode != 0:
        raise RuntimeError(f"The task worker failed ({finished.returncode}):\n{output[-4000:]}")
    return output


def start_servers(
    count: int, database_url: str, workdir: Path, workers: int = 1, **env: str
) -> list[AppServer]:
    """Start ``count`` gunicorn servers (``workers`` each), served as production serves
    (config/gunicorn.py), and wait until all answer."""
    base = process_environment(database_url, workdir, **env)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers: list[AppServer] = []
    taken: set[int] = set()
    for _ in range(count):
        port = free_port(taken)
        taken.add(port)
        log = workdir / f"server-{port}.log"
        process = subprocess.Popen(
            [
                *(gunicorn, "--config", "config/gunicorn.py", "config.wsgi"),
                *("--workers", str(workers), "--bind", f"127.0.0.1:{port}"),
            ],
            cwd=ROOT,
            env=base,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        servers.append(AppServer(port, process, log))
    try:
        for server in servers:
            wait_until_serving(server)
    except Exception:
        for server in servers:
            server.stop()
        raise
    return servers


def wait_until_serving(server: AppServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"The app server on {server.port} stopped:\n{server.output()}")
        try:
            if Client().get(server, "/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"The app server on {server.port} did not answer:\n{server.output()}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Client:
    """Keeps cookies across servers, as one browser behind one load balancer would."""

    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, server: AppServer, path: str, **headers: str) -> Response:
        return self.request(server, "GET", path, headers=headers)

    def post(
        self,
        server: AppServer,
        path: str,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes]] | None = None,
        **headers: str,
    ) -> Response:
        """A form post with the CSRF token this client holds (and an Origin, as browsers send)."""
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers = {
            "Content-Type": content_type,
            "Origin": f"https://127.0.0.1:{server.port}",
            **headers,
        }
        return self.request(server, "POST", path, body=body, headers=headers)

    def request(self, server, method, path, *, body=None, headers=None) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        sent = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", errors="replace")
            for name, value in answer.getheaders():
                if name.lower() == "set-cookie":
                    self._keep_cookie(value)
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, text)
        finally:
            connection.close()

    def _keep_cookie(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = re.search(r"max-age=0\b", attributes, re.IGNORECASE) or value in ("", '""')
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        heading = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{heading}{value}\r\n".encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
