"""``GET /api/v1/reminders/``: the caller's own reminders, newest due first."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.generics import ListAPIView

from coaching.models import Reminder


class ReminderOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "kind", "channel", "due_at", "status", "sent_at", "session", "commitment"]
        read_only_fields = fields


class ReminderListApi(ListAPIView):
    """Reminders addressed to the caller, on every channel and in every state.

    Nobody lists anyone else's reminders, managers and admins included: they are personal.
    """

    serializer_class = ReminderOutputSerializer

    def get_queryset(self):
        return Reminder.objects.filter(recipient=self.request.user).order_by("-due_at", "-pk")
