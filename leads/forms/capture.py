"""Forms for capture pages: manual entry, import upload and columns, do-not-call, keys.

They check what a form can (types, required fields); the services check the rest (phone
normalization, duplicates, the do-not-call list) and their errors land on the same fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import StyledForm

from ..models import Campaign, Channel, ConsentNotice, Intent
from ..services import capture
from ..services.import_columns import column_fields

FIELD_LABELS = {
    "name": _("name"),
    "phone": _("phone"),
    "company": _("company"),
    "region": _("region"),
    "source": _("source (kept with the lead)"),
    "notes": _("notes"),
    "email": _("email"),
    "wechat": _("WeChat"),
    "product": _("product of interest"),
    "budget": _("budget"),
    "intent": _("intent"),
    "timeline": _("timeline"),
    "reason": _("reason"),
}


def _campaigns():
    return Campaign.objects.filter(is_active=True).order_by("name")


class LeadEntryForm(StyledForm, forms.Form):
    """Manual entry (手工录入). The phone is normalized and checked by `lead_capture`."""

    phone = forms.CharField(
        label=_("phone"), max_length=40, help_text=_("e.g. 138 0013 8000 or 021-6212 3456")
    )
    name = forms.CharField(label=_("name"), max_length=100, required=False)
    company = forms.CharField(label=_("company"), max_length=200, required=False)
    region = forms.CharField(label=_("region"), max_length=100, required=False)
    email = forms.EmailField(label=_("email"), required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=100, required=False)
    product = forms.CharField(label=_("product of interest"), max_length=100, required=False)
    budget = forms.DecimalField(
        label=_("budget"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    intent = forms.ChoiceField(label=_("intent"), choices=Intent.choices, initial=Intent.UNKNOWN)
    timeline = forms.CharField(label=_("timeline"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[c for c in Channel.choices if c[0] != Channel.IMPORT],
        initial=Channel.MANUAL,
    )
    campaign = forms.ModelChoiceField(
        label=_("campaign"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = _campaigns()

    def lead_data(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in capture.LEAD_FIELDS}


class ImportUploadForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_(
            "CSV (UTF-8 or GBK) or Excel (.xlsx); the first row names the columns, e.g. "
            "姓名, 手机, 公司, 地区, 来源, 备注."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    kind = forms.ChoiceField(
        label=_("what is imported"),
        choices=[("leads", _("Leads")), ("dnc", _("Do-not-call numbers"))],
        initial="leads",
    )
    channel = forms.ChoiceField(label=_("channel"), choices=Channel.choices, initial=Channel.IMPORT)
    campaign = forms.ModelChoiceField(
        label=_("campaign"), queryset=Campaign.objects.none(), required=False
    )
    notice = forms.ModelChoiceField(
        label=_("notice these people saw"),
        queryset=ConsentNotice.objects.none(),
        required=False,
        empty_label=_("the channel's current notice"),
        help_text=_("What they were told when their data was collected (PIPL)."),
    )
    check_columns = forms.BooleanField(
        label=_("Let me check the columns before the import starts"), required=False
    )

    def __init__(self, *args, allow_dnc: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = _campaigns()
        self.fields["notice"].queryset = ConsentNotice.objects.order_by("-created_at", "-id")
        if not allow_dnc:
            self.fields["kind"].choices = [("leads", _("Leads"))]

    def stated_basis(self) -> dict | None:
        """The data basis the uploader chose (None: the channel's current notice)."""
        notice = self.cleaned_data.get("notice")
        if notice is None:
            return None
        return {"notice_version": notice.version, "notice_text": notice.text}


class ImportColumnsForm(StyledForm, forms.Form):
    """One select per column of the file: the field it fills, or nothing."""

    def __init__(self, *args, header: list[str], columns: dict[int, str], kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— ignore this column —"))] + [
            (name, FIELD_LABELS.get(name, name)) for name in column_fields(kind)
        ]
        for index, title in enumerate(header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=title or _("(column %(number)d, no title)") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=columns.get(index, ""),
            )

    def clean(self):
        data = super().clean()
        chosen = [value for value in data.values() if value]
        if "phone" not in chosen:
            raise forms.ValidationError(_("Choose the column that holds the phone number."))
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Each field may be given to one column only."))
        return data

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("column_"): value or "" for name, value in self.cleaned_data.items()
        }


class DoNotCallForm(StyledForm, forms.Form):
    phone = forms.CharField(label=_("phone"), max_length=40)
    reason = forms.CharField(label=_("reason"), max_length=200)


class InboundKeyForm(StyledForm, forms.Form):
    name = forms.CharField(
        label=_("name"), max_length=100, help_text=_("Where it is used, e.g. 官网表单")
    )
    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[c for c in Channel.choices if c[0] != Channel.IMPORT],
        initial=Channel.WEB_FORM,
    )
    campaign = forms.ModelChoiceField(
        label=_("campaign"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = _campaigns()
