"""Export jobs: API, scope, audit, worker run, failure with its reason, reaper, retention, events."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from reports import services
from reports.models import ExportJob, JobStatus
from reports.tests.sheet import Sheet
from tests.factories import ROUND, api_client, make_user

URL = "/api/reports/exports/"


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.REPORTS_EXPORT_DIR = tmp_path / "exports"
    return settings.REPORTS_EXPORT_DIR


@pytest.fixture
def officer(populated):
    return make_user("canbo", "commune_officer", populated.commune_a)


@pytest.fixture
def events(monkeypatch):
    seen = []
    monkeypatch.setattr(
        services, "publish_on_commit", lambda codes, event: seen.append((list(codes), dict(event)))
    )
    return seen


def create(client, django_capture_on_commit_callbacks, **payload):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, payload, format="json")


def test_officer_exports_a_form_and_downloads_it(
    populated, officer, events, django_capture_on_commit_callbacks
):
    client = api_client(officer)
    response = create(
        client,
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="TH-02",
    )
    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]
    detail = client.get(f"{URL}{job_id}/").json()
    assert detail["status"] == "done" and detail["progress"] == 100 and detail["error"] == ""
    assert detail["filename"].startswith("TH-02_11311_2025_") and detail["filename"].endswith(
        ".xlsx"
    )
    job = ExportJob.objects.get(pk=job_id)
    assert job.expires_at - job.finished_at == dt.timedelta(days=7)
    assert job.created_by == officer and job.heartbeat_at is not None
    download = client.get(detail["download_url"])
    assert download.status_code == 200
    sheet = Sheet(b"".join(download.streaming_content))
    assert sheet.ws.title == "TH-02" and populated.village_a2.name in sheet.order
    actions = list(AuditEvent.objects.filter(user=officer).values_list("action", "target"))
    assert ("export.created", f"export:{job_id}") in actions and (
        "export.download",
        f"export:{job_id}",
    ) in actions
    statuses = [e["status"] for _codes, e in events if e["job"] == job_id]
    assert statuses[0] == "pending" and "running" in statuses and statuses[-1] == "done"
    codes, last = events[-1]
    assert set(codes) >= {"11311", "303", "31"}
    assert last == {
        "type": "export.progress",
        "job": job_id,
        "kind": "form",
        "area": "11311",
        "status": "done",
        "progress": 100,
        "error": "",
        "user": "canbo",
    }


def test_zip_of_all_forms_for_the_district(populated, django_capture_on_commit_callbacks):
    supervisor = make_user("huyen", "district_supervisor", populated.district)
    client = api_client(supervisor)
    response = create(
        client, django_capture_on_commit_callbacks, kind="forms_zip", area="303", round=ROUND
    )
    assert response.status_code == 201
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert (
        job.status == JobStatus.DONE
        and job.filename.endswith(".zip")
        and Path(job.file).stat().st_size == job.size
    )


def test_who_may_export(populated, officer, django_capture_on_commit_callbacks):
    surveyor = make_user("gv", "surveyor", populated.village_a1)
    response = create(
        api_client(surveyor),
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="MN-5",
    )
    assert response.status_code == 404
    # an officer outside his commune
    response = create(
        api_client(officer),
        django_capture_on_commit_callbacks,
        kind="form",
        area="11602",
        round=ROUND,
        form="MN-5",
    )
    assert response.status_code == 404
    assert not ExportJob.objects.exists()


def test_invalid_requests_name_the_field(populated, officer, django_capture_on_commit_callbacks):
    client = api_client(officer)
    response = create(
        client,
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="XYZ",
    )
    assert response.status_code == 400 and "form" in response.json()["errors"]
    response = create(
        client,
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=1999 + 1,
        form="MN-5",
    )
    assert response.status_code == 400 and "round" in response.json()["errors"]
    response = create(
        client, django_capture_on_commit_callbacks, kind="bogus", area="11311", round=ROUND
    )
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_download_and_listing_are_scoped(populated, officer, django_capture_on_commit_callbacks):
    job_id = create(
        api_client(officer),
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="MN-5",
    ).json()["id"]
    other = make_user("canbo2", "commune_officer", populated.commune_b)
    assert api_client(other).get(f"{URL}{job_id}/").status_code == 404
    assert api_client(other).get(f"{URL}{job_id}/download").status_code == 404
    assert api_client(other).get(URL).json() == []
    staff = make_user("thanhpho", "city_staff", populated.city)
    assert [j["id"] for j in api_client(staff).get(URL).json()] == [job_id]
    assert api_client(staff).get(f"{URL}{job_id}/download").status_code == 200
    outsider = make_user("hanoi", "city_staff", populated.other_city)
    assert api_client(outsider).get(f"{URL}{job_id}/download").status_code == 404
    downloads = AuditEvent.objects.filter(action="export.download").values_list(
        "username", flat=True
    )
    assert list(downloads) == ["thanhpho"]


def test_a_failing_job_records_its_reason(
    populated, officer, export_dir, events, django_capture_on_commit_callbacks
):
    export_dir.parent.mkdir(parents=True, exist_ok=True)
    export_dir.write_text("a file where the export directory should be")
    response = create(
        api_client(officer),
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="MN-5",
    )
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.FAILED and job.finished_at is not None and job.file == ""
    assert "FileExistsError" in job.error or "NotADirectoryError" in job.error
    detail = api_client(officer).get(f"{URL}{job.pk}/").json()
    assert (
        detail["status"] == "failed"
        and detail["error"] == job.error
        and detail["download_url"] is None
    )
    assert api_client(officer).get(f"{URL}{job.pk}/download").status_code == 404
    assert events[-1][1]["status"] == "failed" and events[-1][1]["error"] == job.error


def test_a_job_failing_inside_the_writer(
    populated, officer, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("no cells for this round")

    monkeypatch.setattr("reports.workbook.form_data", broken)
    response = create(
        api_client(officer),
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="MN-5",
    )
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.FAILED and job.error == "RuntimeError: no cells for this round"
    assert not list(Path(services.export_dir()).glob("*.part"))


def _job(populated, **fields):
    return ExportJob.objects.create(
        area=populated.commune_a, round=ROUND, kind="form", params={"form": "MN-5"}, **fields
    )


def test_reaper_fails_dead_jobs_only(populated, settings):
    settings.REPORTS_HEARTBEAT_TIMEOUT = 60
    settings.REPORTS_PENDING_TIMEOUT = 600
    now = timezone.now()
    dead = _job(
        populated,
        status="running",
        started_at=now - dt.timedelta(minutes=5),
        heartbeat_at=now - dt.timedelta(seconds=61),
    )
    alive = _job(
        populated,
        status="running",
        started_at=now - dt.timedelta(minutes=5),
        heartbeat_at=now - dt.timedelta(seconds=30),
    )
    waiting = _job(populated)
    forgotten = _job(populated)
    ExportJob.objects.filter(pk=forgotten.pk).update(created_at=now - dt.timedelta(minutes=11))
    done = _job(populated, status="done", heartbeat_at=now - dt.timedelta(hours=1))
    assert services.reap_stale_jobs(now=now) == 2
    states = dict(ExportJob.objects.values_list("pk", "status"))
    assert states == {
        dead.pk: "failed",
        alive.pk: "running",
        waiting.pk: "pending",
        forgotten.pk: "failed",
        done.pk: "done",
    }
    dead.refresh_from_db()
    forgotten.refresh_from_db()
    assert "60" in dead.error and dead.finished_at is not None
    assert "10" in forgotten.error
    assert services.reap_stale_jobs(now=now) == 0


def test_a_reaped_job_is_not_run_later(populated):
    job = _job(populated, status="failed", error="reaped")
    assert services.job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "reaped"


def test_listing_reaps(populated, officer, settings):
    settings.REPORTS_HEARTBEAT_TIMEOUT = 60
    old = timezone.now() - dt.timedelta(minutes=3)
    job = _job(populated, status="running", started_at=old, heartbeat_at=old)
    ExportJob.objects.filter(pk=job.pk).update(created_by=officer)
    listed = api_client(officer).get(URL).json()
    assert listed[0]["id"] == job.pk and listed[0]["status"] == "failed" and listed[0]["error"]


def test_retention_deletes_files_and_expires_jobs(
    populated, officer, export_dir, django_capture_on_commit_callbacks
):
    job_id = create(
        api_client(officer),
        django_capture_on_commit_callbacks,
        kind="form",
        area="11311",
        round=ROUND,
        form="MN-5",
    ).json()["id"]
    job = ExportJob.objects.get(pk=job_id)
    path = Path(job.file)
    assert path.exists() and path.parent == export_dir
    assert services.expire_jobs(now=job.expires_at - dt.timedelta(seconds=1)) == 0
    assert services.expire_jobs(now=job.expires_at + dt.timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == "expired" and job.file == "" and not path.exists()
    assert api_client(officer).get(f"{URL}{job_id}/download").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_heartbeat_beats_while_the_writer_works(populated, monkeypatch):
    """The background beat keeps a long job alive (a killed worker stops it; the reaper then fails the job)."""
    import time

    monkeypatch.setattr(services, "HEARTBEAT_EVERY", 0.05)
    beats = []
    job = _job(populated)

    def slow(**kwargs):
        first = ExportJob.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.4)
        beats.append((first, ExportJob.objects.get(pk=job.pk).heartbeat_at))
        kwargs["path"].write_bytes(b"x")
        return {}

    monkeypatch.setattr(services, "produce", slow)
    services.job_run(job_id=job.pk)
    first, later = beats[0]
    assert later > first
    job.refresh_from_db()
    assert job.status == "done"


@pytest.fixture
def fake_lists(monkeypatch):
    """LISTS' interface (INTERFACES.md §4) as a stand-in module, to test the job runner's side."""
    import sys
    import types

    calls = []
    module = types.ModuleType("reports.lists")
    module.LISTS = {"mn5_not_attending": types.SimpleNamespace(title="Trẻ 5 tuổi chưa ra lớp")}

    def export_list(*, commune, round_year, list_code, fmt, path, progress=None):
        calls.append((commune.code, round_year, list_code, fmt))
        for done in range(1, 5):
            progress(done, 4)
        path.write_text("a;b\n", encoding="utf-8-sig")
        return 1

    module.export_list = export_list
    monkeypatch.setitem(sys.modules, "reports.lists", module)
    return calls


def test_a_list_job_calls_the_lists_interface(
    populated, officer, fake_lists, events, django_capture_on_commit_callbacks
):
    client = api_client(officer)
    response = create(
        client,
        django_capture_on_commit_callbacks,
        kind="list",
        area="11311",
        round=ROUND,
        list="mn5_not_attending",
        format="csv",
    )
    assert response.status_code == 201, response.json()
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert fake_lists == [("11311", ROUND, "mn5_not_attending", "csv")]
    assert job.status == "done" and job.filename.endswith(".csv")
    progress = [e["progress"] for _codes, e in events if e["job"] == job.pk]
    assert (
        progress == sorted(progress) and 25 in progress and 75 in progress and progress[-1] == 100
    )
    response = create(
        client,
        django_capture_on_commit_callbacks,
        kind="list",
        area="11311",
        round=ROUND,
        list="nope",
    )
    assert response.status_code == 400 and "list" in response.json()["errors"]
    staff = make_user("huyen", "district_supervisor", populated.district)
    response = create(
        api_client(staff),
        django_capture_on_commit_callbacks,
        kind="list",
        area="303",
        round=ROUND,
        list="mn5_not_attending",
    )
    assert response.status_code == 400 and "area" in response.json()["errors"]
