"""The lifecycle as buyers speak of it: three stages shared by every industry, and each
industry's track of ordered phases inside them."""

from django.db import models
from django.db.models.functions import Lower


class Stage(models.Model):
    """Discovery, Development or Delivery."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(unique=True)
    also_called = models.CharField(
        max_length=60, help_text="What buyers also call it, e.g. 'pre-clinical'."
    )
    description = models.TextField(help_text="Plain-language explanation for buyers.")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="stage_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1), name="stage_position_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    """One industry's path through the stages: pharmaceuticals and biotech, or crop protection.

    Each phase lies on one track, and a range of phases never leaves its track: clinical
    Phase II means nothing to an agrochemical, and field trials nothing to a medicine.
    """

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60, unique=True)
    short_name = models.CharField(max_length=30, help_text="Label for compact strips and lists.")
    position = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(help_text="Plain-language explanation for buyers.")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(position__gte=1), name="track_position_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    """An ordered step of one track inside a stage, e.g. clinical Phase II inside
    Development on the pharmaceutical track.

    ``position`` orders phases along their track and is unique across all of them
    (pharmaceutical phases 1 = discovery research ... 7 = lifecycle management, crop
    protection from 11); services refer to phases by it, so a range of phases is a range
    of positions, and a range stays on one track.
    """

    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="phases")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="phases")
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    short_name = models.CharField(max_length=20, help_text="Label for compact coverage strips.")
    position = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(help_text="Plain-language explanation for buyers.")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="phase_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1) & models.Q(position__lte=30),
                name="phase_position_in_range",
            ),
            # The target of the catalogue's (track, phase) foreign keys: a capability's
            # phases are checked to lie on its track by the database itself.
            models.UniqueConstraint(fields=["track", "position"], name="phase_track_position"),
        ]

    def __str__(self) -> str:
        return self.name
