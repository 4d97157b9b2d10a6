"""Serializers shared by every app's API: the one error shape (``server.errors``)."""

from rest_framework import serializers


class ErrorOutput(serializers.Serializer):
    """``{"message": "…", "errors": {"field": ["…"]}}``: every error the API answers."""

    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
