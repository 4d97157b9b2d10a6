"""The register's search (docs/register.md): a stored Vietnamese sort key and the indexes.

- ``Resident.sort_key``: ``surveys.text.vi_sort_key_text(full_name)`` (digits), backfilled
  here one distinct name at a time (names repeat: a city of 4.7 M people has far fewer
  distinct full names), with one UPDATE … FROM on PostgreSQL.
- B-tree indexes on live residents: (commune, sort_key, id) and (sort_key, id), both
  including name_folded, birth_year, status (and commune) so that a page of a common
  name walks the index only; national_id (non-empty only).
- PostgreSQL only: the pg_trgm extension and a trigram GIN index on ``name_folded`` for
  partial, diacritic-insensitive name search (``LIKE '%…%'``). SQLite has no such index
  and scans (fine at its sizes).
"""

from django.db import migrations, models


def backfill_sort_key(apps, schema_editor):
    from surveys.text import vi_sort_key_text

    Resident = apps.get_model("surveys", "Resident")
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT full_name FROM surveys_resident")
            names = [row[0] for row in cursor.fetchall()]
            if not names:
                return
            cursor.execute("CREATE TEMPORARY TABLE register_sort_keys (full_name varchar(100) PRIMARY KEY, sort_key varchar(255)) ON COMMIT DROP")
            with cursor.cursor.copy("COPY register_sort_keys (full_name, sort_key) FROM STDIN") as copy:
                for name in names:
                    copy.write_row((name, vi_sort_key_text(name)))
            cursor.execute(
                "UPDATE surveys_resident AS r SET sort_key = k.sort_key FROM register_sort_keys AS k "
                "WHERE r.full_name = k.full_name AND r.sort_key IS DISTINCT FROM k.sort_key"
            )
        return
    names = Resident.objects.values_list("full_name", flat=True).distinct()
    for name in list(names):
        Resident.objects.filter(full_name=name).update(sort_key=vi_sort_key_text(name))


TRGM_CREATE = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
TRGM_INDEX = "CREATE INDEX IF NOT EXISTS resident_name_trgm ON surveys_resident USING gin (name_folded gin_trgm_ops)"
TRGM_DROP = "DROP INDEX IF EXISTS resident_name_trgm"


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRGM_CREATE)
        schema_editor.execute(TRGM_INDEX)


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRGM_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0006_signoff"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="sort_key",
            field=models.CharField(default="", editable=False, max_length=255),
        ),
        migrations.RunPython(backfill_sort_key, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)), fields=["commune", "sort_key", "id"],
                include=["name_folded", "birth_year", "status"], name="resident_commune_sort",
            ),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)), fields=["sort_key", "id"],
                include=["name_folded", "commune", "birth_year", "status"], name="resident_sort",
            ),
        ),
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(condition=models.Q(("national_id", ""), _negated=True), fields=["national_id"], name="resident_national_id"),
        ),
        migrations.RunPython(trigram_index, trigram_index_drop),
    ]
