"""The buyer's request form, the provider's answer and decline forms, the upload form."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator

from lifecycle.models import Phase
from providers.models import Capability, DosageForm, Modality, Provider
from providers.regulatory import Authority
from providers.rfis.files import detect_kind, max_bytes, size_label
from providers.rfis.models import (
    GRID,
    MAX_BUYER_QUESTIONS,
    MAX_RECIPIENTS,
    QUESTION_MAX_CHARS,
    REGION_CHOICES,
    Answer,
    InformationRequest,
    Recipient,
)

MAX_DEADLINE_DAYS = 180


class GroupedCapabilityField(forms.ModelMultipleChoiceField):
    """Capabilities in option groups by category, as the directory's facet shows them."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Capability.objects.select_related("category").order_by(
                "category__position", "category__name", "name"
            ),
            **kwargs,
        )

    def _get_choices(self):
        return _GroupedChoices(self)

    choices = property(_get_choices, forms.ModelMultipleChoiceField.choices.fset)


class _GroupedChoices(BaseChoiceIterator):
    """Evaluated when the widget renders, not when the form class is defined."""

    def __init__(self, field):
        self.field = field

    def __iter__(self):
        groups: dict[str, list] = {}
        for capability in self.field.queryset:
            groups.setdefault(capability.category.name, []).append((capability.pk, capability.name))
        return iter(groups.items())


class RequestForm(forms.ModelForm):
    providers = forms.ModelMultipleChoiceField(
        queryset=Provider.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Send to",
        help_text=f"1 to {MAX_RECIPIENTS} providers from your shortlist.",
    )
    capabilities = GroupedCapabilityField(
        required=False,
        label="Capabilities needed",
        help_text="Hold Ctrl (or ⌘) to choose several.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    modality = forms.ModelChoiceField(
        queryset=Modality.objects.all(), required=False, empty_label="Not stated"
    )
    dosage_form = forms.ModelChoiceField(
        queryset=DosageForm.objects.all(),
        required=False,
        empty_label="Not applicable",
        label="Dosage form",
    )
    phase = forms.ModelChoiceField(
        queryset=Phase.objects.select_related("track").order_by("position"),
        to_field_name="position",
        required=False,
        empty_label="Not stated",
        label="Phase",
    )
    target_regions = forms.MultipleChoiceField(
        choices=REGION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Target markets",
    )
    regulators = forms.MultipleChoiceField(
        choices=Authority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Regulators",
    )
    deadline = forms.DateField(
        label="Answers due by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Answers are accepted until the end of this day (UTC).",
    )
    questions_text = forms.CharField(
        required=False,
        label="Your own questions",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            f"One question per line, up to {MAX_BUYER_QUESTIONS} questions of "
            f"{QUESTION_MAX_CHARS} characters each."
        ),
    )

    class Meta:
        model = InformationRequest
        fields = [
            "title",
            "summary",
            "capabilities",
            "modality",
            "dosage_form",
            "phase",
            "scale",
            "quantities",
            "timeline",
            "target_regions",
            "regulators",
            "highly_potent",
            "controlled_substance",
            "sterile",
            "confidentiality_needed",
            "deadline",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, shortlisted: list[Provider], **kwargs):
        super().__init__(*args, **kwargs)
        # Those shortlisted, and those a draft is already addressed to (still published).
        chosen = []
        if self.instance.pk:
            chosen = [r.provider_id for r in self.instance.recipients.all()]
            self.initial.setdefault("providers", chosen)
            self.initial.setdefault("questions_text", "\n".join(self.instance.questions))
        pks = [p.pk for p in shortlisted] + [pk for pk in chosen if pk not in shortlisted]
        self.fields["providers"].queryset = Provider.objects.published().filter(pk__in=pks)
        self.fields["phase"].label_from_instance = lambda phase: (
            f"{phase.name} ({phase.track.name})" if phase.track.position > 1 else phase.name
        )
        self.fields["highly_potent"].label = "Highly potent (HPAPI)"
        self.fields["controlled_substance"].label = "Controlled substance"
        self.fields["sterile"].label = "Sterile"
        # Labels after a checkbox read as its name, not as a prompt: no trailing colon.
        for name in ("highly_potent", "controlled_substance", "sterile", "confidentiality_needed"):
            self.fields[name].label_suffix = ""

    def clean_title(self):
        # One line: it becomes the subject of the providers' email.
        return " ".join(self.cleaned_data["title"].split())

    def clean_providers(self):
        chosen = self.cleaned_data["providers"]
        if len(chosen) > MAX_RECIPIENTS:
            raise forms.ValidationError(
                f"A request goes to at most {MAX_RECIPIENTS} providers; you chose {len(chosen)}."
            )
        return chosen

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        today = timezone.now().date()
        if deadline <= today:
            raise forms.ValidationError("The deadline must be a day after today.")
        if deadline > today + datetime.timedelta(days=MAX_DEADLINE_DAYS):
            raise forms.ValidationError(
                f"The deadline must be within {MAX_DEADLINE_DAYS} days from today."
            )
        return deadline

    def clean_questions_text(self):
        lines = [line.strip() for line in self.cleaned_data["questions_text"].splitlines()]
        questions = [line for line in lines if line]
        if len(questions) > MAX_BUYER_QUESTIONS:
            raise forms.ValidationError(
                f"Up to {MAX_BUYER_QUESTIONS} questions; there are {len(questions)}."
            )
        long = [n for n, q in enumerate(questions, 1) if len(q) > QUESTION_MAX_CHARS]
        if long:
            raise forms.ValidationError(
                f"Question {long[0]} is longer than {QUESTION_MAX_CHARS} characters."
            )
        return questions

    def save(self, commit=True):
        self.instance.questions = self.cleaned_data["questions_text"]
        return super().save(commit=commit)


class AnswerForm(forms.ModelForm):
    """The grid, then one answer per buyer question (fields ``q1`` ... ``qN``)."""

    class Meta:
        model = Answer
        fields = [field for field, _question in GRID]
        widgets = {field: forms.Textarea(attrs={"rows": 3}) for field, _question in GRID}
        labels = dict(GRID)

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        existing = list(self.instance.answers or [])
        for number, question in enumerate(questions, 1):
            self.fields[f"q{number}"] = forms.CharField(
                label=question,
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=existing[number - 1] if number <= len(existing) else "",
            )

    def check_complete(self) -> bool:
        """On submission every question needs an answer ("none" is an answer)."""
        missing = [name for name in self.fields if not (self.cleaned_data.get(name) or "").strip()]
        for name in missing:
            self.add_error(name, "Answer this question to submit (a draft may leave it empty).")
        return not missing

    def save(self, commit=True):
        self.instance.answers = [
            self.cleaned_data.get(f"q{n}", "") for n in range(1, len(self.questions) + 1)
        ]
        return super().save(commit=commit)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Recipient.DeclineReason.choices, widget=forms.RadioSelect, label="Reason"
    )
    text = forms.CharField(
        required=False,
        max_length=1000,
        label="Anything the buyer should know",
        help_text="Required when the reason is “Other”.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason") == Recipient.DeclineReason.OTHER
            and not cleaned.get("text", "").strip()
        ):
            self.add_error("text", "Say why, when the reason is “Other”.")
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Recipient.Decision.choices, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Add a file",
        help_text=f"PDF, DOCX or XLSX, up to {size_label(max_bytes())}.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.kind = detect_kind(upload)
        return upload
