"""A server process builds its index in a child process and reads it back
(providers/directory/child_build.py): the index it gets is the one a build in its own
process gives, a failed child says why, and the process keeps answering from its last
index when that happens."""

import shutil
import subprocess
import time

import pytest
from django.utils import timezone

from providers.directory import child_build
from providers.directory import index as index_module
from providers.directory.child_build import ChildBuildFailed, CodeChanged, build_in_child
from tests.directory.test_index_build import same_words, seeded_directory
from tests.directory.test_index_updates import same_index
from tests.factories import make_provider

# The child reads what is committed: these tests commit (and their data is flushed after).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("rebuild")]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """The catalogue the migrations load (an earlier test's flush may have removed it)."""
    from tests.factories import ensure_reference_data

    ensure_reference_data()


def test_the_index_built_in_a_child_is_the_index_built_here():
    seeded_directory(seed=3, count=30)
    today = timezone.localdate()
    here = index_module.build_index(today)
    there = build_in_child(today, "default")
    assert there.size == here.size > 10
    # The same log position (transactions still running, on other databases of the server
    # too, are another matter: they change from one snapshot to the next).
    assert there.token == here.token and there.watermark.last == here.watermark.last
    assert there.built_on == today
    same_index(there, here)
    same_words(there, here)
    for facet, table in here.bits.items():
        assert there.bits[facet] == table, facet
    assert there.backed_capability == here.backed_capability


@pytest.fixture
def children(monkeypatch) -> list[str]:
    """The connections children were started for, from now on."""
    started = []
    real = build_in_child

    def counted(today, alias):
        started.append(alias)
        return real(today, alias)

    monkeypatch.setattr("providers.directory.child_build.build_in_child", counted)
    return started


def test_a_server_process_builds_in_a_child_and_patches_in_its_own(settings, children):
    settings.DIRECTORY_BUILD_IN_CHILD = True
    settings.DIRECTORY_BACKGROUND_REBUILD = False
    make_provider("First Co", slug="first-co")
    first = index_module.get_index()
    assert children == ["default"] and first.size == 1
    make_provider("Second Co", slug="second-co")
    second = index_module.get_index()
    assert second.size == 2 and children == ["default"]  # a patch: no child for it
    assert second.words.changed


def test_a_child_that_fails_says_why():
    with pytest.raises(ChildBuildFailed) as failed:
        build_in_child(timezone.localdate(), "nowhere")
    message = str(failed.value)
    assert "exit status 1" in message
    assert "nowhere" in message  # the child's own error: no such connection


def test_a_failed_child_leaves_the_last_index_in_place(settings, monkeypatch, caplog):
    settings.DIRECTORY_BUILD_IN_CHILD = True
    settings.DIRECTORY_BACKGROUND_REBUILD = True
    settings.DIRECTORY_REBUILD_WAIT = 5
    make_provider("First Co", slug="first-co")
    first = index_module.get_index()
    monkeypatch.setattr(index_module, "PATCH_LIMIT", 0)  # any change: a full build
    monkeypatch.setattr("providers.directory.child_build.sys.executable", shutil.which("false"))
    make_provider("Second Co", slug="second-co")
    index_module._checked_at = 0.0
    assert index_module.get_index() is first  # the build failed: buyers see the last index
    assert "could not be built in a child process (exit status 1): it wrote nothing" in caplog.text
    assert index_module.get_index() is first


def test_a_child_past_its_time_is_ended(settings, monkeypatch, tmp_path):
    settings.DIRECTORY_BUILD_TIMEOUT = 1
    stuck = tmp_path / "stuck"
    stuck.write_text("#!/bin/sh\nexec sleep 60\n")
    stuck.chmod(0o755)
    monkeypatch.setattr("providers.directory.child_build.sys.executable", str(stuck))
    started = time.monotonic()
    with pytest.raises(ChildBuildFailed) as failed:
        build_in_child(timezone.localdate(), "default")
    assert time.monotonic() - started < 30  # not the minute it would have slept
    assert "did not finish within 1 s and was ended" in str(failed.value)
    assert failed.value.killed


def test_a_first_index_whose_child_was_killed_is_not_built_again_here(settings, monkeypatch):
    """Past its time limit (or out of memory) the same build in the server would fare no
    better: the request fails, and the next tries again."""
    settings.DIRECTORY_BUILD_IN_CHILD = True
    settings.DIRECTORY_BACKGROUND_REBUILD = False
    built_here = []
    monkeypatch.setattr(index_module, "build_index", lambda *args: built_here.append(args))

    def killed(today, alias):
        raise ChildBuildFailed("killed", killed=True)

    monkeypatch.setattr("providers.directory.child_build.build_in_child", killed)
    make_provider("First Co", slug="first-co")
    with pytest.raises(ChildBuildFailed):
        index_module.get_index()
    assert built_here == []


def test_a_child_running_other_code_refuses_and_the_server_builds_itself(
    settings, monkeypatch, caplog, children
):
    """During an in-place deploy the code on disk is no longer the server's: a child
    would hand back objects of other classes. It refuses, and the server builds here
    from then on, without starting a child only to be refused."""
    settings.DIRECTORY_BUILD_IN_CHILD = True
    settings.DIRECTORY_BACKGROUND_REBUILD = False
    monkeypatch.setattr(child_build, "CODE_VERSION", "the code the server started with")
    monkeypatch.setattr(index_module, "_code_changed", False)
    with pytest.raises(CodeChanged) as refused:
        build_in_child(timezone.localdate(), "default")
    assert "restart it" in str(refused.value)
    assert not refused.value.killed
    make_provider("First Co", slug="first-co")
    assert index_module.get_index().size == 1
    make_provider("Second Co", slug="second-co")
    monkeypatch.setattr(index_module, "PATCH_LIMIT", 0)  # any change: a full build
    index_module._checked_at = 0.0
    assert index_module.get_index().size == 2  # built here, not left stale
    assert children == ["default"]  # asked once
    assert caplog.text.count("Until then its directory index is built in the process.") == 1


def test_the_code_version_covers_the_projects_python_files(tmp_path):
    assert {"providers/regions.py", "providers/directory/index.py", "lifecycle/models.py"} <= set(
        child_build.code_files()
    )
    package = tmp_path / "package"
    (package / "inner").mkdir(parents=True)
    (package / "inner" / "module.py").write_text("A = 1\n")
    before = child_build.code_version([package])
    (package / "notes.txt").write_text("not code")
    assert child_build.code_version([package]) == before
    (package / "inner" / "module.py").write_text("A = 2\n")
    assert child_build.code_version([package]) != before


def test_a_child_that_cannot_be_started_fails_with_a_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(
        "providers.directory.child_build.sys.executable", str(tmp_path / "no-python-here")
    )
    with pytest.raises(ChildBuildFailed, match="could not be started"):
        build_in_child(timezone.localdate(), "default")


def test_a_first_index_whose_child_fails_is_built_here(settings, monkeypatch, caplog):
    """A process with no index yet has nothing to answer from: it builds for itself."""
    settings.DIRECTORY_BUILD_IN_CHILD = True
    settings.DIRECTORY_BACKGROUND_REBUILD = False
    monkeypatch.setattr("providers.directory.child_build.sys.executable", shutil.which("false"))
    make_provider("First Co", slug="first-co")
    assert index_module.get_index().size == 1
    assert "The first directory index is built in this process instead." in caplog.text
    assert "could not be built in a child process (exit status 1)" in caplog.text


class ReapedElsewhere(subprocess.Popen):
    """A child whose exit status another ``waitpid`` took (gunicorn's arbiter reaps every
    child that ends, the keeper's build among them)."""

    def wait(self, timeout=None):
        super().wait(timeout)
        self.returncode = 0  # what Popen says when the status was taken
        return 0


def test_a_refusing_child_is_understood_when_its_exit_status_was_read_elsewhere(
    settings, monkeypatch
):
    """The refusal is read from what the child hands back, not from its status."""
    settings.DIRECTORY_BUILD_IN_CHILD = True
    monkeypatch.setattr(child_build, "CODE_VERSION", "the code the server started with")
    monkeypatch.setattr(child_build.subprocess, "Popen", ReapedElsewhere)
    with pytest.raises(CodeChanged) as refused:
        build_in_child(timezone.localdate(), "default")
    assert "restart it" in str(refused.value)


def test_a_failed_child_whose_status_was_read_elsewhere_counts_as_killed(monkeypatch):
    """Without its status, a child that handed back nothing may have been killed (out of
    memory): the first index is then not built in the server process instead."""
    monkeypatch.setattr(child_build.subprocess, "Popen", ReapedElsewhere)
    with pytest.raises(ChildBuildFailed) as failed:
        build_in_child(timezone.localdate(), "no-such-connection")
    assert failed.value.killed
