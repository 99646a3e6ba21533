"""Test settings: the real settings, with only what tests must change."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "tests-only-" + "k3y-" * 12)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Serve static files straight from the source folders (no collectstatic in tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Each test runs inside a transaction that a background thread cannot see: rebuild the
# facet index in the request (tests/directory/test_index_rebuild.py covers the background).
DIRECTORY_BACKGROUND_REBUILD = False
# Every request asks the version token, so a test sees its own writes at once
# (tests/directory/test_index_rebuild.py covers the TTL), and nothing is frozen out of the
# collector in a process that builds thousands of small indexes.
DIRECTORY_TOKEN_TTL = 0
DIRECTORY_FREEZE_INDEX = False
# Tasks run in the request that enqueues them, so tests see their outcome at once; the
# tests of the worker itself switch to the database backend and run a real worker process.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
