from django import forms
from django.db.models.functions import Lower
from django.http import QueryDict

from providers.accounts.corrections import FIELDS
from providers.accounts.models import ProfileClaim, SavedSearch
from providers.models import Provider

MAX_SAVED_SEARCHES = 50


class ClaimForm(forms.ModelForm):
    class Meta:
        model = ProfileClaim
        fields = ["role", "message"]
        labels = {"role": "Your role at the provider", "message": "Message to the curators"}
        help_texts = {
            "role": "For example: business development director.",
            "message": "Anything that helps a curator check your claim (optional).",
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}


class SaveSearchForm(forms.Form):
    name = forms.CharField(max_length=100, label="Name this search")
    query = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give the search a name.")
        if self.user and SavedSearch.objects.filter(user=self.user, name=name).exists():
            raise forms.ValidationError(f"You already have a saved search named “{name}”.")
        return name

    def clean(self):
        cleaned = super().clean()
        if self.user and SavedSearch.objects.filter(user=self.user).count() >= MAX_SAVED_SEARCHES:
            raise forms.ValidationError(
                f"You can keep at most {MAX_SAVED_SEARCHES} saved searches: delete one first."
            )
        return cleaned


def normalised_query(raw: str) -> str:
    """The directory's own query string for ``raw``: only parameters it understands, in its
    order, without the page number."""
    from providers.directory.facets import query_string
    from providers.directory.index import get_index
    from providers.directory.query import DirectoryForm

    index = get_index()
    query = DirectoryForm(QueryDict(raw.lstrip("?")), index=index).query()
    return query_string(query, page=None)


class CorrectionForm(forms.ModelForm):
    services_note = forms.CharField(
        label="Corrections to services",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Services that are missing, wrong or no longer offered, with the phases.",
    )
    sites_note = forms.CharField(
        label="Corrections to sites",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sites opened, closed or sold, certifications and inspections.",
    )

    class Meta:
        model = Provider
        fields = list(FIELDS)
        labels = FIELDS
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
            # A text box rather than type="url": a value sent back with its error must
            # still be valid HTML. The field checks the address all the same.
            "website": forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
        }

    def clean_website(self) -> str:
        website = self.cleaned_data.get("website", "")
        if (
            website
            and Provider.objects.exclude(pk=self.instance.pk)
            .annotate(site=Lower("website"))
            .filter(site=website.lower())
            .exists()
        ):
            raise forms.ValidationError("Another provider in the directory has this website.")
        return website
