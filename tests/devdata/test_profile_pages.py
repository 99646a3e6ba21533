import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from providers.api.models import ApiKey

pytestmark = pytest.mark.django_db


def test_profile_pages_reports_cpu_per_request_for_each_page_type(directory):
    out = io.StringIO()
    call_command("profile_pages", requests=4, rounds=1, stdout=out)
    lines = out.getvalue().splitlines()
    for page in ("fragment", "page", "provider", "explorer", "api-list", "api-record"):
        (line,) = [line for line in lines if line.split()[0] == page]
        assert line.endswith("ms CPU per request")
        assert float(line.split()[1]) > 0
    assert not ApiKey.objects.exists()  # its key is gone


def test_profile_pages_profiles_one_page_type_and_refuses_unknown_ones(directory):
    out = io.StringIO()
    call_command("profile_pages", "explorer", requests=2, rounds=1, profile="explorer", stdout=out)
    assert "function calls" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown page type"):
        call_command("profile_pages", "everything", stdout=io.StringIO())
