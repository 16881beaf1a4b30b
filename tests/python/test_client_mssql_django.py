"""mssql-django (Django's SQL Server backend) over this driver, as a Django application uses it.

mssql-django turns pyodbc's autocommit on only when `SELECT @@TRANCOUNT` shows an open
transaction (../shared/reference/clients.md); a driver whose manual-commit mode has none yet
leaves Django "autocommitting" inside a transaction nobody commits, and writes vanish at close.
"""

import datetime

import pyodbc
import pytest

django = pytest.importorskip("django", reason="mssql-django is in tests/python/requirements.txt")
pytest.importorskip("mssql", reason="mssql-django is in tests/python/requirements.txt")

from conftest import OUR_DRIVER, split_connection_string  # noqa: E402


def unbraced(value):
    """A connection-string value as the application knows it (mssql-django braces it again)."""
    if value.startswith("{") and value.endswith("}"):
        return value[1:-1].replace("}}", "}")
    return value


@pytest.fixture(scope="module")
def django_db(server):
    """Django configured for the test server through this driver; yields (connection, Note)."""
    from django.conf import settings

    if settings.configured:
        pytest.skip("Django was configured by another module of this run")
    keywords = dict(split_connection_string(server.info["connection_string"]))
    host, port = keywords["Server"].split(",")
    settings.configure(
        DATABASES={"default": {
            "ENGINE": "mssql", "NAME": keywords["Database"], "HOST": host, "PORT": port,
            "USER": keywords["UID"], "PASSWORD": unbraced(keywords["PWD"]),
            "OPTIONS": {"driver": OUR_DRIVER,
                        "extra_params": "Encrypt=yes;TrustServerCertificate=yes"},
        }},
        INSTALLED_APPS=["django.contrib.contenttypes"],
        USE_TZ=False,
    )
    django.setup()
    from django.db import connection, models

    class Note(models.Model):
        title = models.CharField(max_length=50)
        created = models.DateTimeField()

        class Meta:
            app_label = "contenttypes"
            db_table = "django_note"

    class Tag(models.Model):
        note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="tags")
        label = models.CharField(max_length=20)

        class Meta:
            app_label = "contenttypes"
            db_table = "django_tag"

    with connection.cursor() as cur:
        cur.execute("IF OBJECT_ID('django_tag') IS NOT NULL DROP TABLE django_tag")
        cur.execute("IF OBJECT_ID('django_note') IS NOT NULL DROP TABLE django_note")
    with connection.schema_editor() as editor:
        editor.create_model(Note)
        editor.create_model(Tag)
    yield connection, Note, Tag
    # delete_model first drops the foreign keys that reference the table (sys.foreign_keys).
    with connection.schema_editor() as editor:
        editor.delete_model(Tag)
        editor.delete_model(Note)
    assert "django_note" not in connection.introspection.table_names()
    connection.close()


def titles_seen_by_another_connection(server):
    other = pyodbc.connect(server.connection_string(), autocommit=True, timeout=10)
    try:
        return [r[0] for r in other.execute("SELECT title FROM django_note ORDER BY id")]
    finally:
        other.close()


def note(title):
    return {"title": title, "created": datetime.datetime(2026, 3, 4, 5, 6, 7)}


def test_connect_time_queries_give_django_what_it_expects(django_db):
    connection, _, _ = django_db
    with connection.cursor() as cur:
        cur.execute("SELECT SYSDATETIME()")
        assert isinstance(cur.fetchone()[0], datetime.datetime)
    assert connection.sql_server_version >= 2012


def test_a_write_outside_atomic_is_committed_and_survives_close(django_db, server):
    connection, Note, _ = django_db
    Note.objects.all().delete()
    Note.objects.create(**note("autocommitted"))
    connection.close()  # what a management command or a request's end does
    assert titles_seen_by_another_connection(server) == ["autocommitted"]


def test_atomic_with_a_rolled_back_savepoint_keeps_the_outer_work(django_db, server):
    from django.db import transaction

    connection, Note, _ = django_db
    Note.objects.all().delete()
    with transaction.atomic():
        Note.objects.create(**note("outer"))
        with pytest.raises(ValueError), transaction.atomic():
            Note.objects.create(**note("inner"))
            raise ValueError("roll the savepoint back")
    assert list(Note.objects.values_list("title", flat=True)) == ["outer"]
    connection.close()
    assert titles_seen_by_another_connection(server) == ["outer"]


def test_a_failed_atomic_block_leaves_nothing(django_db, server):
    from django.db import transaction

    connection, Note, _ = django_db
    Note.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        Note.objects.create(**note("doomed"))
        raise RuntimeError("abort")
    assert Note.objects.count() == 0
    connection.close()
    assert titles_seen_by_another_connection(server) == []


def test_orm_queries_and_a_foreign_key(django_db):
    _, Note, Tag = django_db
    Note.objects.all().delete()
    Note.objects.bulk_create([Note(**note(f"n{i}")) for i in range(30)])
    assert Note.objects.count() == 30
    assert Note.objects.filter(title__startswith="n1").count() == 11
    assert list(Note.objects.order_by("-id").values_list("title", flat=True)[:2]) == ["n29", "n28"]
    first = Note.objects.get(title="n0")
    Tag.objects.bulk_create([Tag(note=first, label="red"), Tag(note=first, label="blue")])
    assert sorted(first.tags.values_list("label", flat=True)) == ["blue", "red"]
    assert Tag.objects.select_related("note").get(label="red").note.title == "n0"
    first.delete()  # the tags go with it (Django's own cascade)
    assert Tag.objects.count() == 0
