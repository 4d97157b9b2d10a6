"""``manage.py export_housekeeping``: fail dead export jobs and delete expired export files."""

import json

from django.core.management.base import BaseCommand

from reports import services


class Command(BaseCommand):
    help = "Fail export jobs whose worker died (heartbeat timeout) and delete files past their retention."

    def handle(self, *args, **options):
        summary = {"reaped": services.reap_stale_jobs(), "expired": services.expire_jobs()}
        self.stdout.write(json.dumps(summary))
