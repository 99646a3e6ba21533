"""Sessions hold across app server processes: two real gunicorn servers share one database
(and, with REDIS_URL, one Redis), and a buyer or curator alternates between them as a load
balancer would send them."""

import os
import re
import uuid

import pytest
from django.contrib.auth.models import User

from providers.interchange.format import COLUMNS
from providers.interchange.parsing import OPTIONAL_COLUMNS
from providers.models import Provider
from tests.factories import ensure_reference_data, make_provider
from tests.platform.servers import Client, database_url, run_worker, start_servers

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/11")
IMPORT_PATH = "/admin/providers/provider/import/"
IMPORT_ROW = (
    "acme-pharma,Acme Pharma,cro; cdmo,CH,https://acme.example,Process chemistry.,"
    "pharmaceutical,small-molecule,"
    '"process-development: phase-1 to commercial-supply | kilo lab",'
    '"Visp plant | Visp | CH | eu-gmp",published,2026-10-01,https://acme.example/about,no'
)

# Real app servers and a shared Redis: one worker runs these, one after another.
pytestmark = pytest.mark.xdist_group("real-servers")


def redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"No Redis answers at {REDIS_TEST_URL} ({error}); set REDIS_TEST_URL.")
    return client


@pytest.fixture(scope="module", params=["database", "redis"])
def backend(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """Two app servers on two ports, sessions in the database or through Redis."""
    env = {}
    redis_client = None
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        redis_client = redis_or_skip()
        env = {"REDIS_URL": REDIS_TEST_URL, "CACHE_KEY_PREFIX": prefix}
    with django_db_blocker.unblock():
        url = database_url()
    servers = start_servers(2, url, tmp_path_factory.mktemp(f"servers-{request.param}"), **env)
    yield request.param, servers, redis_client, prefix
    for server in servers:
        server.stop()
    if redis_client is not None:
        for key in redis_client.scan_iter(f"{prefix}:*"):
            redis_client.delete(key)


@pytest.fixture
def servers(backend, transactional_db):
    ensure_reference_data()
    return backend[1]


@pytest.fixture
def superuser(transactional_db):
    return User.objects.create_superuser("root", "root@example.com", "pw-root-123")


def log_in(client: Client, server) -> None:
    client.get(server, "/admin/login/")
    answer = client.post(
        server, "/admin/login/", {"username": "root", "password": "pw-root-123", "next": "/admin/"}
    )
    assert answer.status == 302, answer.text[:500]
    assert "sessionid" in client.cookies


def shortlist_count(client: Client, server) -> int:
    page = client.get(server, "/shortlist/")
    assert page.status == 200
    found = re.search(r"<p>(\d+) providers?, kept in this browser session", page.text)
    return int(found.group(1)) if found else 0


def test_shortlist_adds_alternating_between_servers_are_all_kept(backend, servers):
    slugs = [make_provider(f"Shared {n:02}", slug=f"shared-{n:02}").slug for n in range(20)]
    buyer = Client()
    assert buyer.get(servers[0], "/providers/").status == 200  # the CSRF cookie
    for number, slug in enumerate(slugs):
        server = servers[number % 2]
        answer = buyer.post(
            server, f"/providers/{slug}/shortlist/", {"action": "add"}, **{"HX-Request": "true"}
        )
        assert answer.status == 200, answer.text[:500]
    assert shortlist_count(buyer, servers[0]) == 20
    assert shortlist_count(buyer, servers[1]) == 20
    name, _, redis_client, prefix = backend
    if name == "redis":  # sessions are read through the shared cache
        session_key = buyer.cookies["sessionid"]
        assert list(redis_client.scan_iter(f"{prefix}:*{session_key}"))


def test_logout_on_one_server_ends_the_session_on_the_other(servers, superuser):
    curator = Client()
    log_in(curator, servers[0])
    assert curator.get(servers[1], "/admin/").status == 200  # signed in on both
    old_cookie = curator.cookies["sessionid"]
    assert curator.post(servers[0], "/admin/logout/", {}).status == 200
    replay = Client(cookies={"sessionid": old_cookie})
    for server in (servers[1], servers[0], servers[1]):
        answer = replay.get(server, "/admin/")
        assert answer.status == 302
        assert answer.headers["location"].startswith("/admin/login/")


def test_import_previewed_on_one_server_confirms_on_the_other(servers, superuser):
    curator = Client()
    log_in(curator, servers[0])
    assert curator.get(servers[1], "/admin/").status == 200  # the other server saw the session
    assert curator.get(servers[0], IMPORT_PATH).status == 200
    header = [column for column in COLUMNS if column not in OPTIONAL_COLUMNS]
    data = ("\n".join([",".join(header), IMPORT_ROW]) + "\n").encode()
    preview = curator.post(servers[0], IMPORT_PATH, {}, files={"file": ("acme.csv", data)})
    assert preview.status == 200
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token, preview.text[:2000]
    assert not Provider.objects.filter(slug="acme-pharma").exists()

    confirmed = curator.post(servers[1], IMPORT_PATH, {"confirm": "1", "token": token.group(1)})
    assert confirmed.status == 302
    status_path = confirmed.headers["location"]
    assert re.fullmatch(rf"{IMPORT_PATH}\d+/", status_path)
    assert not Provider.objects.filter(slug="acme-pharma").exists()  # the worker writes it
    run_worker(database_url(), servers[0].log.parent)  # the servers' folder: same MEDIA_ROOT
    assert Provider.objects.filter(slug="acme-pharma").exists()
    status = curator.get(servers[0], status_path)
    assert "<strong>1</strong> provider(s) created" in status.text


def settings_in_a_new_process(**env: str):
    from tests.platform.test_settings_and_health import run_python

    code = (
        "from django.conf import settings; import django; django.setup();"
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])"
    )
    return run_python(
        code,
        **{"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", "REDIS_URL": ""} | env,
    )


def test_sessions_are_in_the_database_without_redis():
    result = settings_in_a_new_process()
    assert result.stdout.split() == [
        "django.contrib.sessions.backends.db",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_with_redis_the_cache_is_redis_and_sessions_go_through_it():
    result = settings_in_a_new_process(REDIS_URL="redis://127.0.0.1:6379/11")
    assert result.stdout.split() == [
        "django.contrib.sessions.backends.cached_db",
        "django.core.cache.backends.redis.RedisCache",
    ]


def test_a_redis_url_that_is_not_one_is_refused_clearly():
    result = settings_in_a_new_process(REDIS_URL="127.0.0.1:6379")
    assert result.returncode != 0
    assert "REDIS_URL must be a Redis URL" in result.stderr
