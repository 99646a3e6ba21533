import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Development only: give the local 'admin' superuser a fresh password and print it."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, username: str, port: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "dev_admin only runs with DEBUG on; create real accounts with createsuperuser."
            )
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@localhost"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            f"Admin: http://127.0.0.1:{port}/admin/  user: {username}  password: {password}\n"
            "(a new password is generated each time the app starts in development)"
        )
