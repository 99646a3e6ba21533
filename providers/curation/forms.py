"""Forms of the curator's workbench: the provider and site forms (with their links to the
catalogue) and the import upload form."""

from django import forms
from django.conf import settings

from providers.models import Certification, Industry, Modality, Provider, ProviderType, Site


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
            "state_on",
            "source",
            "is_synthetic",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_links()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("state_on") and not (cleaned.get("source") or "").strip():
            self.add_error("source", "Say where the record was verified: a URL or a note.")
        return cleaned


class SiteForm(LinkFieldsMixin, forms.ModelForm):
    link_fields = {"site_certifications": "certifications"}
    site_certifications = _checkboxes(Certification.objects.all(), "Certifications")

    class Meta:
        model = Site
        fields = ["provider", "name", "city", "country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.init_links()


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
