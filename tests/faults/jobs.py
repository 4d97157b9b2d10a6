"""Export-job steps for tests/faults/test_export_worker_killed.py, run in the app's environment:

python -m tests.faults.jobs create <area code> <round>   # a forms_zip job, queued; prints its id
python -m tests.faults.jobs show <job id>                 # prints the job as JSON
python -m tests.faults.jobs reap <heartbeat timeout s>    # reap_stale_jobs() with that timeout
"""

import json
import sys


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from areas.models import Area
    from areas.services import user_upsert
    from reports import services
    from reports.models import ExportJob

    if argv[0] == "create":
        area = Area.objects.get(code=argv[1])
        user, _ = get_user_model().objects.get_or_create(username="faults_export")
        user_upsert(username=user.username, role="city_staff", area=area)
        with transaction.atomic():
            job = services.job_create(
                user=user, kind="forms_zip", area=area, round_year=int(argv[2]), params={}
            )
        print(job.pk)  # noqa: T201
    elif argv[0] == "show":
        job = ExportJob.objects.get(pk=int(argv[1]))
        print(  # noqa: T201
            json.dumps(
                {
                    "status": job.status,
                    "progress": job.progress,
                    "error": job.error,  # noqa: T201
                    "heartbeat_at": job.heartbeat_at.isoformat() if job.heartbeat_at else None,
                }
            )
        )
    elif argv[0] == "reap":
        settings.REPORTS_HEARTBEAT_TIMEOUT = float(argv[1])
        print(services.reap_stale_jobs())  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
