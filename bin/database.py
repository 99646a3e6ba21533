"""Find or start the PostgreSQL server this project uses, and print its DATABASE_URL.

Order: DATABASE_URL if set; else a server answering on the local socket or on
127.0.0.1:5432; else a private cluster started with this machine's PostgreSQL
programs (as the ``postgres`` user when running as root). The database named by
``DIRECTORY_DB_NAME`` (default ``directory``) is created when missing.
Anything missing ends with one sentence on stderr saying what to install.
"""

import glob
import os
import pwd
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

DB_NAME = os.environ.get("DIRECTORY_DB_NAME", "directory")
if "--bench" in sys.argv:
    DB_NAME += "_bench"
OWN_PORT = int(os.environ.get("DIRECTORY_PG_PORT", "54329"))
CANDIDATES = [
    "postgresql://postgres@/{db}?host=/var/run/postgresql",
    "postgresql://postgres@127.0.0.1:5432/{db}",
]


def fail(sentence: str) -> None:
    print(sentence, file=sys.stderr)
    sys.exit(1)


def answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path.lstrip("/")


def ensure_database(server_url: str, db: str) -> str:
    """Create ``db`` on the server behind ``server_url`` if needed; return its URL."""
    maintenance = server_url.format(db="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    return server_url.format(db=db)


def find_server_programs() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(versions[0]).parent if versions else None


def as_postgres_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        fail(
            "PostgreSQL cannot run as root and there is no 'postgres' user: create one "
            "(installing the postgresql package does) or set DATABASE_URL."
        )
    return ["runuser", "-u", "postgres", "--", *args]


def start_own_cluster() -> str:
    bindir = find_server_programs()
    if bindir is None:
        fail(
            "No PostgreSQL server answers and its programs are not installed: install "
            "PostgreSQL (for example 'apt-get install postgresql') or set DATABASE_URL."
        )
    if os.geteuid() == 0:
        base = Path("/var/lib/provider-directory")
    else:
        base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local/state"))
        base = base / "provider-directory"
    data, sockets = base / "pgdata", base / "run"
    url = f"postgresql://postgres@127.0.0.1:{OWN_PORT}/{{db}}"
    if answers(url.format(db="postgres")):
        return url
    for folder in (data, sockets):
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
    base_stat = base.stat()
    if os.geteuid() == 0 and base_stat.st_mode & 0o005 != 0o005:
        base.chmod(0o755)
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            as_postgres_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    options = f"-p {OWN_PORT} -k {sockets} -c listen_addresses=127.0.0.1"
    subprocess.run(
        as_postgres_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(data / "server.log"),
                "-o",
                options,
                "-w",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(30):
        if answers(url.format(db="postgres")):
            return url
        time.sleep(0.5)
    fail(f"A PostgreSQL server was started but does not answer: see {data / 'server.log'}.")
    return url  # unreachable; keeps type checkers calm


def with_database_name(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def main() -> None:
    given = os.environ.get("DATABASE_URL")
    if given and "--bench" in sys.argv:
        # Never benchmark in the given database: use a sibling one on the same server.
        name = (urlsplit_path(given) or "directory") + "_bench"
        server = with_database_name(given, "{db}")
        print(ensure_database(server.replace("%7Bdb%7D", "{db}"), name))
        return
    if given:
        print(given)
        return
    if os.environ.get("DIRECTORY_OWN_CLUSTER") != "1":
        for candidate in CANDIDATES:
            if answers(candidate.format(db="postgres")):
                print(ensure_database(candidate, DB_NAME))
                return
    print(ensure_database(start_own_cluster(), DB_NAME))


if __name__ == "__main__":
    main()
