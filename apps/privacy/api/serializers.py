from __future__ import annotations

from rest_framework import serializers


class EraseRequestSerializer(serializers.Serializer):
    confirmation = serializers.CharField(
        max_length=254, help_text="The patient's e-mail address, typed to confirm the erasure."
    )


class EraseResultSerializer(serializers.Serializer):
    erased = serializers.BooleanField()
    patient = serializers.UUIDField(help_text="The id the record had (it now maps to nobody).")
    rows_deleted = serializers.DictField(
        child=serializers.IntegerField(), help_text="How many rows of each kind were deleted."
    )
