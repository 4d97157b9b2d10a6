"""Page forms: they only parse input; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from server.errors import ValidationFailed


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    school = forms.CharField(label=_("School"), max_length=200, required=False)

    def add_service_errors(self, error: ValidationFailed) -> None:
        for name, messages in error.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class SurveyorForm(ProfileForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to make one from the name, e.g. namnv.11311."),
    )
    villages = forms.MultipleChoiceField(
        label=_("Villages"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = [(str(v.pk), f"{v.name} ({v.code})") for v in villages]


class VillagesForm(forms.Form):
    villages = forms.MultipleChoiceField(
        label=_("Villages"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].choices = [(str(v.pk), f"{v.name} ({v.code})") for v in villages]


class SurveyorsForm(forms.Form):
    surveyors = forms.MultipleChoiceField(
        label=_("Surveyors"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surveyors"].choices = [
            (str(m.user.pk), f"{m.name} ({m.user.username})") for m in members
        ]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    MAX_BYTES = 10 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload
