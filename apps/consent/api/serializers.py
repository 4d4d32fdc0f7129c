from __future__ import annotations

from rest_framework import serializers


class ConsentDocumentSerializer(serializers.Serializer):
    """A consent document version in the reader's language when translated (`language`)."""

    version = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    published_at = serializers.DateTimeField(read_only=True)
    language = serializers.CharField(
        read_only=True, help_text="The language of `title` and `text` (BCP 47)."
    )


class MyConsentSerializer(serializers.Serializer):
    """The current consent document and where the patient stands with it."""

    state = serializers.ChoiceField(
        choices=["accepted", "withdrawn", "not_given"],
        help_text="withdrawn: no new data is collected and reminders are off.",
    )
    current_document = ConsentDocumentSerializer(allow_null=True)
    accepted_version = serializers.IntegerField(
        allow_null=True, help_text="The version the latest decision was about."
    )
    accepted_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    needs_acceptance = serializers.BooleanField(
        help_text="True when the current document has not been accepted (new version, "
        "withdrawn, or never given)."
    )


class ConsentActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "withdraw"])
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text="For accept: the version the patient read (must be the current one).",
    )
