import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "a8Fq2-kP9zL0xW4mN7vB1cR6tY3uH5jD8sG2eK0oZ9iQ4wX7nM1bV6"


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("secret", [None, "", "short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_a_missing_or_weak_secret_key(secret):
    env = {"DEBUG": "false"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = run_python("import config.settings", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_works_without_any_secret():
    assert run_python("import config.settings", DEBUG="true").returncode == 0


def test_settings_refuse_a_database_that_is_not_postgresql():
    result = run_python("import config.settings", DEBUG="true", DATABASE_URL="sqlite:///x.db")
    assert "must point to PostgreSQL" in result.stderr


def test_check_deploy_with_production_settings_is_clean():
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "directory.example",
            "SECURE_SSL_REDIRECT": "true",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNINGS" not in result.stderr


def test_a_web_process_does_not_load_the_spreadsheet_library():
    # openpyxl (about 5 MB of each process's memory once Django has started) is needed by
    # the task worker that reads an uploaded workbook and by the export, not by every page.
    result = run_python(
        "import sys, config.wsgi, config.urls;"
        " print(sorted({name.split('.')[0] for name in sys.modules} & {'openpyxl'}))",
        DEBUG="false",
        SECRET_KEY=GOOD_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.django_db
def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_is_503_against_a_server_that_is_not_there():
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "print(Client().get('/healthz').status_code)"
    )
    result = run_python(
        code,
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/nothing?connect_timeout=2",
    )
    assert result.stdout.strip().endswith("503"), result.stderr


def test_missing_python_is_one_clear_sentence():
    result = subprocess.run(
        ["bin/check-python", "/nonexistent/python3"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Python 3.12 or newer")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgresql://u@127.0.0.1:5432/d", "5"),
        ("postgresql://u@127.0.0.1:5432/d?connect_timeout=2", "2"),
    ],
)
def test_database_connections_give_up_after_a_few_seconds(url, expected):
    code = "from config import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = run_python(code, DEBUG="true", DATABASE_URL=url)
    assert f"'connect_timeout': {expected}" in result.stdout, result.stderr


def test_database_pool_keeps_the_connect_timeout():
    code = "from config import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = run_python(
        code, DEBUG="true", DATABASE_URL="postgresql://u@127.0.0.1/d", DATABASE_POOL="true"
    )
    assert "'connect_timeout': 5" in result.stdout and "'pool'" in result.stdout, result.stderr
