"""Settings for app servers that tests start as separate processes (gunicorn).

The real production settings; static files come from the source folders so the servers
need no collectstatic. Sessions, cache, the database and file storage stay as configured.
"""

from config.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Accounts made by the test process carry its fast password hash; accept it here too.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
