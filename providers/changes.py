"""Change identifiers: every history row written by one request, one import or one command
carries the same ``change_id``, so the history page shows (and restore puts back) exactly
what was saved together.

``ChangeMiddleware`` opens a change per request; ``apply_plan`` and management commands
open one around their work with ``change()``. A save outside any change (a shell, a
script) gets a change of its own.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

_current: ContextVar[uuid.UUID | None] = ContextVar("change_id", default=None)


class ChangeIdentified(models.Model):
    """Base of the historical models: the change each history row belongs to."""

    change_id = models.UUIDField(
        null=True, blank=True, db_index=True, help_text="Rows saved together share it."
    )

    class Meta:
        abstract = True


@contextmanager
def change() -> Iterator[uuid.UUID]:
    """Group every history row written inside the block into one change (nesting joins
    the outer change)."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    token = _current.set(uuid.uuid4())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_change_id() -> uuid.UUID:
    """The open change, or a fresh identifier for a save that stands alone."""
    return _current.get() or uuid.uuid4()


class ChangeMiddleware:
    """One change per request: a curator's save of a provider with its inlines, an action
    over many providers, a restore."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with change():
            return self.get_response(request)


@receiver(pre_create_historical_record)
def stamp_change(sender, history_instance, **kwargs) -> None:
    if getattr(history_instance, "change_id", None) is None:
        history_instance.change_id = current_change_id()
