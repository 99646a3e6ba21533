"""The drug lifecycle as buyers speak of it: three stages, each with ordered phases."""

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


class Phase(models.Model):
    """An ordered step inside a stage, e.g. clinical Phase II inside Development.

    ``position`` orders phases across the whole lifecycle (1 = discovery
    research ... 7 = lifecycle management); services refer to phases by it,
    so a range of phases is a range of positions.
    """

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
        ]

    def __str__(self) -> str:
        return self.name
