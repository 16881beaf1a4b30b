"""SQLAlchemy's mssql+pyodbc dialect over this driver: what an application does with an engine.

On connect the dialect reads SERVERPROPERTY('ProductVersion'), schema_name() and the isolation
level from sys.dm_exec_sessions (../shared/reference/clients.md); then Core statements,
executemany with and without fast_executemany, transactions and reflection.
"""

import contextlib
import datetime
import decimal
import urllib.parse

import pytest

sa = pytest.importorskip("sqlalchemy", reason="sqlalchemy is in tests/python/requirements.txt")

from conftest import OUR_DRIVER  # noqa: E402


def engine_for(server, fast_executemany=False, **keywords):
    odbc_connect = urllib.parse.quote_plus(server.connection_string(OUR_DRIVER, **keywords))
    return sa.create_engine(f"mssql+pyodbc:///?odbc_connect={odbc_connect}",
                            fast_executemany=fast_executemany)


@contextlib.contextmanager
def fresh_tables(server, md, **engine_options):
    """An engine over `md`'s tables, created afresh; dropped and the engine disposed after."""
    engine = engine_for(server, **engine_options)
    with engine.begin() as c:
        md.drop_all(c)
        md.create_all(c)
    try:
        yield engine
    finally:
        with engine.begin() as c:
            md.drop_all(c)
        engine.dispose()


def orders_table(name):
    md = sa.MetaData()
    table = sa.Table(
        name, md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("customer", sa.Unicode(40), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("placed", sa.DateTime),
    )
    return md, table


def rows(n):
    return [{"id": i, "customer": f"Zoë {i}", "amount": decimal.Decimal(i) / 4,
             "placed": datetime.datetime(2026, 1, 2, 3, 4, i % 60)} for i in range(n)]


def test_the_dialect_learns_the_server_on_connect(server):
    engine = engine_for(server)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT 40 + 2")).scalar() == 42
        assert engine.dialect.server_version_info[0] >= 11
        assert engine.dialect.default_schema_name == "dbo"
        assert c.get_isolation_level() == "READ COMMITTED"
    engine.dispose()


@pytest.mark.parametrize("fast", [False, True], ids=["executemany", "fast_executemany"])
def test_core_round_trip_with_executemany(server, fast):
    md, orders = orders_table(f"sa_orders_{int(fast)}")
    with fresh_tables(server, md, fast_executemany=fast) as engine:
        with engine.begin() as c:
            c.execute(orders.insert(), rows(250))
        with engine.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 250
            got = c.execute(sa.select(orders).where(orders.c.id == 7)).one()
            assert got == (7, "Zoë 7", decimal.Decimal("1.75"),
                           datetime.datetime(2026, 1, 2, 3, 4, 7))
            total = c.execute(sa.select(sa.func.sum(orders.c.amount))).scalar()
            assert total == sum(r["amount"] for r in rows(250))


def test_a_rolled_back_transaction_leaves_nothing(server):
    md, orders = orders_table("sa_rollback")
    with fresh_tables(server, md) as engine:
        with engine.connect() as c:
            c.execute(orders.insert(), rows(3))
            c.rollback()
            assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 0
            c.execute(orders.insert(), rows(2))
            c.commit()
        with engine.connect() as c:
            assert c.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 2


def test_reflection_sees_the_table_its_columns_and_primary_key(server):
    md, _ = orders_table("sa_reflected")
    with fresh_tables(server, md) as engine:
        inspector = sa.inspect(engine)
        assert "sa_reflected" in inspector.get_table_names()
        columns = {c["name"]: c for c in inspector.get_columns("sa_reflected")}
        assert list(columns) == ["id", "customer", "amount", "placed"]
        assert isinstance(columns["customer"]["type"], sa.NVARCHAR)
        assert columns["customer"]["type"].length == 40
        assert columns["customer"]["nullable"] is False
        assert (columns["amount"]["type"].precision, columns["amount"]["type"].scale) == (12, 2)
        assert inspector.get_pk_constraint("sa_reflected")["constrained_columns"] == ["id"]
        reflected = sa.Table("sa_reflected", sa.MetaData(), autoload_with=engine)
        assert [c.name for c in reflected.primary_key] == ["id"]


def test_reflection_follows_a_foreign_key(server):
    md = sa.MetaData()
    sa.Table("sa_parent", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    sa.Table("sa_child", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("parent_id", sa.Integer, sa.ForeignKey("sa_parent.id")))
    with fresh_tables(server, md) as engine:
        fks = sa.inspect(engine).get_foreign_keys("sa_child")
        assert [(fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in fks] == [(["parent_id"], "sa_parent", ["id"])]
        child = sa.Table("sa_child", sa.MetaData(), autoload_with=engine)
        assert [(fk.parent.name, fk.column.table.name) for fk in child.foreign_keys] \
            == [("parent_id", "sa_parent")]


def test_a_server_error_is_a_dbapi_error_with_the_sqlstate(server):
    engine = engine_for(server)
    with engine.connect() as c, pytest.raises(sa.exc.ProgrammingError) as e:
        c.execute(sa.text("SELECT * FROM no_such_table_here"))
    assert e.value.orig.args[0] == "42S02", str(e.value)
    assert "Invalid object name 'no_such_table_here'" in str(e.value)
    engine.dispose()
