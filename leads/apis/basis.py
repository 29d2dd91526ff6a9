"""The data basis in the API: what a sender may state with a capture or an import, and
what a lead's detail shows of how its data came (PIPL)."""

from __future__ import annotations

from rest_framework import serializers

from leads.models import LawfulBasis, LeadSource

BASIS_FIELDS = ("basis", "notice_version", "notice_text", "consented_at")


class DataBasisFields(serializers.Serializer):
    """Optional on every capture: without them the channel's current notice is recorded."""

    basis = serializers.ChoiceField(
        choices=LawfulBasis.choices,
        required=False,
        allow_blank=True,
        help_text="Lawful basis (PIPL art. 13); default: the notice's.",
    )
    notice_version = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="The version of the notice or consent text the person saw (with its text).",
    )
    notice_text = serializers.CharField(
        max_length=10_000,
        required=False,
        allow_blank=True,
        help_text="That notice's text; a known version must come with the same text.",
    )
    consented_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the person agreed or was shown the notice (ISO 8601 with zone).",
    )


def stated_basis_pop(data: dict) -> dict | None:
    """Take the data basis fields out of validated capture data (None if none was sent)."""
    stated = {name: data.pop(name) for name in BASIS_FIELDS if name in data}
    stated = {name: value for name, value in stated.items() if value not in ("", None)}
    return stated or None


class DataBasisSerializer(serializers.ModelSerializer):
    """How a lead's data came: its first capture."""

    basis = serializers.CharField(
        read_only=True,
        help_text="consent, contract or public; empty when it was not recorded.",
    )
    basis_label = serializers.CharField(source="get_basis_display", read_only=True)
    campaign = serializers.CharField(
        source="campaign.name", default=None, allow_null=True, read_only=True
    )
    notice_version = serializers.CharField(
        source="notice.version", default=None, allow_null=True, read_only=True
    )
    notice_text = serializers.CharField(
        source="notice.text", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = LeadSource
        fields = [
            "channel",
            "campaign",
            "basis",
            "basis_label",
            "notice_version",
            "notice_text",
            "consented_at",
            "received_at",
        ]
        read_only_fields = fields
