import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User

PASSWORD = "a long Passphrase 42"


def make_buyer(email: str = "buyer@pharma.example", password: str = PASSWORD) -> User:
    """A user with a confirmed email address, as allauth leaves one after confirmation."""
    user = User.objects.create_user(username=email.split("@")[0], email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def buyer(db):
    return make_buyer()


@pytest.fixture
def other_buyer(db):
    return make_buyer("someone@else.example")


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the outbox's enqueue) as they would run after the request."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
