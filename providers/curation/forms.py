"""Forms of the curator's workbench: the provider and site forms (with their links to the
catalogue) and the import upload form."""

from django import forms
from django.conf import settings

from lifecycle.models import Phase
from providers.evidence import EVIDENCE_TARGETS
from providers.models import (
    Capability,
    Certification,
    DosageForm,
    Evidence,
    Industry,
    Modality,
    Provider,
    ProviderType,
    Service,
    Site,
    SiteCertificationLink,
)
from providers.regulatory import Inspection, SiteIdentity


def _checkboxes(queryset, label: str, required: bool = False) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset, widget=forms.CheckboxSelectMultiple, label=label, required=required
    )


class LinkFieldsMixin:
    """Edits many-to-many links that go through explicit link tables.

    The admin cannot put such a field on a form by its own name (admin.E013), so
    the form carries a plain field for each and saves it with ``set()``, which
    sends the signals that keep history and derived columns current.
    """

    link_fields: dict[str, str] = {}

    def init_links(self) -> None:
        if self.instance.pk:
            for form_field, relation in self.link_fields.items():
                self.fields[form_field].initial = list(getattr(self.instance, relation).all())

    def _save_m2m(self) -> None:
        super()._save_m2m()
        for form_field, relation in self.link_fields.items():
            if form_field in self.cleaned_data:
                getattr(self.instance, relation).set(self.cleaned_data[form_field])


class ProviderForm(LinkFieldsMixin, forms.ModelForm):
    link_fields = {
        "provider_types": "types",
        "provider_industries": "industries",
        "provider_modalities": "modalities",
    }
    provider_types = _checkboxes(ProviderType.objects.all(), "Types", required=True)
    provider_industries = _checkboxes(Industry.objects.all(), "Industries served")
    provider_modalities = _checkboxes(Modality.objects.all(), "Modalities")

    class Meta:
        model = Provider
        fields = [
            "name",
            "slug",
            "status",
            "hq_country",
            "website",
            "summary",
            "source",
            "is_synthetic",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_links()


class SiteForm(LinkFieldsMixin, forms.ModelForm):
    link_fields = {"site_certifications": "certifications"}
    site_certifications = _checkboxes(Certification.objects.all(), "Certifications")

    class Meta:
        model = Site
        fields = ["provider", "name", "city", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_links()


class ServiceChoices:
    """What a provider's service forms offer, loaded once per formset (six queries, however
    many services): capabilities, phases, modalities, dosage forms (and which capabilities
    list which), and the provider's own sites."""

    def __init__(self, provider: Provider | None):
        self.provider_id = provider.pk if provider is not None else None
        blank = [("", "---------")]
        self.capabilities = blank + [(c.pk, c.name) for c in Capability.objects.all()]
        self.phases = blank + [(p.position, p.name) for p in Phase.objects.all()]
        self.modalities = [(m.pk, m.name) for m in Modality.objects.all()]
        self.dosage_forms = [(f.pk, f.name) for f in DosageForm.objects.all()]
        self.form_names = dict(self.dosage_forms)
        self.capability_forms: dict[int, set[int]] = {}
        for capability_id, form_id in Capability.dosage_forms.through.objects.values_list(
            "capability_id", "dosageform_id"
        ):
            self.capability_forms.setdefault(capability_id, set()).add(form_id)
        self.sites = (
            [(site.pk, str(site)) for site in Site.objects.filter(provider_id=self.provider_id)]
            if self.provider_id
            else []
        )


def _several(label: str, help_text: str) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )


def _fixed_choices(field, choices: list) -> None:
    """Give a model choice field a list loaded beforehand (validation still asks the
    database), also inside the admin's related-widget wrapper."""
    field.choices = choices
    inner = getattr(field.widget, "widget", None)
    if inner is not None:
        inner.choices = choices


class ServiceForm(forms.ModelForm):
    """A service with what it applies to and where it is done (its own links).

    The choices come from ``ServiceChoices`` (shared by the formset); the links are saved with
    ``set()``, which records the service's history and refreshes the derived columns."""

    links = {
        "service_modalities": "modalities",
        "service_dosage_forms": "dosage_forms",
        "service_sites": "sites",
    }
    service_modalities = _several(
        "Modalities",
        "What this service applies to (none: the provider's modalities). "
        "Ctrl- or Cmd-click to choose several.",
    )
    service_dosage_forms = _several(
        "Dosage forms", "Only forms its capability lists (see the capability's page)."
    )
    service_sites = _several(
        "Sites",
        "Where it is done, among this provider's saved sites (none: not stated). "
        "Add a site and save before choosing it.",
    )

    class Meta:
        model = Service
        fields = ["capability", "first_phase", "last_phase", "note"]

    def __init__(self, *args, choices: ServiceChoices | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices or ServiceChoices(
            self.instance.provider if self.instance.provider_id else None
        )
        for name, values in (
            ("capability", self.choices.capabilities),
            ("first_phase", self.choices.phases),
            ("last_phase", self.choices.phases),
        ):
            if name in self.fields:
                _fixed_choices(self.fields[name], values)
        self.fields["service_modalities"].choices = self.choices.modalities
        self.fields["service_dosage_forms"].choices = self.choices.dosage_forms
        self.fields["service_sites"].choices = self.choices.sites
        self.fields["service_sites"].error_messages["invalid_choice"] = (
            "%(value)s is not a site of this provider: a service is done at its own "
            "provider's sites."
        )
        if self.instance.pk:
            for form_field, relation in self.links.items():
                # Prefetched by the inline's queryset: no query per service.
                self.fields[form_field].initial = [
                    row.pk for row in getattr(self.instance, relation).all()
                ]

    def clean(self):
        cleaned = super().clean()
        capability = cleaned.get("capability")
        chosen = set(cleaned.get("service_dosage_forms") or ())
        if capability is not None and chosen:
            allowed = self.choices.capability_forms.get(capability.pk, set())
            refused = sorted(self.choices.form_names[pk] for pk in chosen - allowed)
            if refused and not allowed:
                self.add_error(
                    "service_dosage_forms",
                    f"{capability.name} has no dosage forms; leave out {', '.join(refused)}.",
                )
            elif refused:
                listed = ", ".join(name for pk, name in self.choices.dosage_forms if pk in allowed)
                self.add_error(
                    "service_dosage_forms",
                    f"{capability.name} does not list {', '.join(refused)}; "
                    f"its dosage forms are: {listed}.",
                )
        return cleaned

    def _save_m2m(self) -> None:
        super()._save_m2m()
        for form_field, relation in self.links.items():
            wanted = set(self.cleaned_data.get(form_field) or ())
            if not self.instance.pk or wanted != set(self.fields[form_field].initial or ()):
                getattr(self.instance, relation).set(sorted(wanted))


PROFILE = "provider"


class EvidenceForm(forms.ModelForm):
    """An evidence item edited beside its record: the claim it backs is chosen among the
    record's profile, services, sites, site certifications, regulator identities and
    inspections (save new services, sites, identities or inspections first, then attach
    evidence to them)."""

    claim = forms.ChoiceField(label="Backs", help_text="The claim this source supports.")

    class Meta:
        model = Evidence
        fields = ["claim", "url", "kind", "title", "seen_on", "quote"]

    def __init__(self, *args, owner: Provider | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        owner = owner or (self.instance.owner if self.instance.owner_id else None)
        self.fields["claim"].choices = claim_choices(owner)
        if self.instance.pk:
            target = self.instance.target_name
            pk = getattr(self.instance, f"{target}_id")
            self.fields["claim"].initial = PROFILE if target == PROFILE else f"{target}:{pk}"
        else:
            self.fields["claim"].initial = PROFILE

    def clean_claim(self):
        value = self.cleaned_data["claim"]
        if value == PROFILE:
            return (PROFILE, None)
        target, _, pk = value.partition(":")
        if target not in EVIDENCE_TARGETS or not pk.isdigit():
            raise forms.ValidationError("Choose one of the record's claims.")
        return (target, int(pk))

    def clean(self):
        cleaned = super().clean()
        if "claim" in cleaned:
            self._point_at_claim(*cleaned["claim"])
        return cleaned

    def save(self, commit=True):
        self._point_at_claim(*self.cleaned_data["claim"])
        return super().save(commit)

    def _point_at_claim(self, target: str, pk: int | None) -> None:
        for name in EVIDENCE_TARGETS:
            setattr(self.instance, f"{name}_id", None)
        if target == PROFILE:
            self.instance.provider_id = self.instance.owner_id
        else:
            setattr(self.instance, f"{target}_id", pk)


def claim_choices(owner: Provider | None) -> list[tuple[str, str]]:
    choices = [(PROFILE, "The profile (name, types, summary)")]
    if owner is None or owner.pk is None:
        return choices
    for service in owner.services.select_related("capability"):
        choices.append((f"service:{service.pk}", f"Service: {service.capability.name}"))
    for site in owner.sites.all():
        choices.append((f"site:{site.pk}", f"Site: {site.name}"))
    for link in SiteCertificationLink.objects.filter(site__provider=owner).select_related(
        "site", "certification"
    ):
        choices.append(
            (f"site_certification:{link.pk}", f"{link.certification.name} at {link.site.name}")
        )
    for identity in SiteIdentity.objects.filter(site__provider=owner).select_related("site"):
        label = identity.scheme_name or identity.get_scheme_display()
        choices.append(
            (f"site_identity:{identity.pk}", f"{label} {identity.value} at {identity.site.name}")
        )
    for inspection in Inspection.objects.filter(site__provider=owner).select_related("site"):
        authority = inspection.authority_name or inspection.get_authority_display()
        choices.append(
            (
                f"inspection:{inspection.pk}",
                f"Inspection: {authority} {inspection.end_date.day} "
                f"{inspection.end_date:%b %Y} at {inspection.site.name}",
            )
        )
    return choices


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A CSV (UTF-8) or Excel (.xlsx) file in the import format; see the guide."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; files up to "
                f"{limit / 1_048_576:.1f} MB can be uploaded. Split it, or ask an "
                "administrator to run the import_providers command."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload
