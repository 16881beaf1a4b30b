"""The stand-in as a process and a shared server (issue 2, "Operation" and "Proof"): SIGTERM,
the debug log, session isolation over one SQLite database per configured database, routing to
the second listener, the MSAL FEDAUTH workflow through MS18, cancel from another thread, and
FreeTDS's `tsql` as one more independent client."""
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyodbc
import pytest

from conftest import RunningServer, known_difference


def ms18_or_skip():
    if "MS18" not in pyodbc.drivers():
        pytest.skip("MS18 not registered (export ODBCSYSINI=.../target/peers)")


def ms18(srv, **kw):
    return pyodbc.connect(srv.connection_string("MS18", **kw), autocommit=True, timeout=10)


def server_log(srv):
    srv.log.flush()
    return (Path(srv.dir.name) / "server.log").read_text()


def spid_of(cnx):
    return cnx.cursor().execute("SELECT @@SPID").fetchone()[0]


# --- process ------------------------------------------------------------------------------------

def test_sigterm_stops_promptly_and_cleanly_while_sessions_are_busy():
    ms18_or_skip()
    srv = RunningServer()
    try:
        generated = Path(srv.info["ca_file"]).parent
        assert generated.exists()
        idle = [ms18(srv) for _ in range(3)]
        streaming = ms18(srv).cursor()
        streaming.execute("SELECT * FROM bench.narrow(100000000)")
        assert len(streaming.fetchmany(10)) == 10
        waiting = ms18(srv)
        outcome = []

        def wait_long():
            try:
                waiting.cursor().execute("WAITFOR DELAY '00:00:30'")
                outcome.append("finished")
            except pyodbc.Error as e:
                outcome.append(e.args[0])

        waiter = threading.Thread(target=wait_long)
        waiter.start()
        time.sleep(0.5)
        started = time.time()
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(10) == 0
        assert time.time() - started < 1.5, "SIGTERM took longer than 1.5 s"
        waiter.join(10)
        assert outcome == ["08S01"], "the waiting client sees the link go down"
        assert not (Path(srv.dir.name) / "ready.json").exists(), "ready file removed"
        assert not generated.exists(), "generated files (CA, data) removed"
        assert "shutting down" in server_log(srv)
        for c in idle:
            with pytest.raises(pyodbc.Error):
                c.cursor().execute("SELECT 1")
    finally:
        srv.stop()


def test_debug_log_has_one_line_per_request(server):
    ms18_or_skip()
    cnx = pyodbc.connect(server.connection_string("MS18"), autocommit=False, timeout=10)
    spid = spid_of(cnx)
    cur = cnx.cursor()
    cur.execute("SELECT 'batch-marker-1'").fetchall()               # SQL batch
    cur.execute("SELECT ? AS rpc_marker_2", "secret-value").fetchall()  # RPC sp_prepexec
    cnx.commit()                                                    # Transaction Manager
    cnx.close()
    time.sleep(0.2)
    lines = [l for l in server_log(server).splitlines() if f"spid={spid} " in l + " "]
    batch = [l for l in lines if "batch-marker-1" in l]
    rpc = [l for l in lines if "rpc_marker_2" in l]
    commits = [l for l in lines if "transaction manager: Commit" in l]
    assert len(batch) == 1 and " DEBUG " in batch[0] and "batch:" in batch[0], batch
    assert len(rpc) == 1 and " DEBUG " in rpc[0] and "rpc: sp_prepexec" in rpc[0], rpc
    assert len(commits) == 1 and " DEBUG " in commits[0], commits
    assert "secret-value" not in "\n".join(lines), "parameter values stay out of the log"
    assert server.info["sql_password"] not in server_log(server), "no password in the log"


# --- sessions and databases ---------------------------------------------------------------------

def test_sessions_are_isolated_and_share_one_database_per_configured_database(server):
    ms18_or_skip()
    a, b = ms18(server), ms18(server)
    assert spid_of(a) != spid_of(b)
    a.cursor().execute("DROP TABLE IF EXISTS iso_shared")
    a.cursor().execute("CREATE TABLE iso_shared (i int)")
    try:
        # One database shared by sessions: b sees a's table.
        assert b.cursor().execute("SELECT COUNT(*) FROM iso_shared").fetchone()[0] == 0
        # Session state is private: temp tables and SET options.
        a.cursor().execute("CREATE TABLE #mine (i int)")
        with pytest.raises(pyodbc.Error) as missing:
            b.cursor().execute("SELECT * FROM #mine")
        assert "208" in str(missing.value)
        a.cursor().execute("SET NOCOUNT ON")
        assert b.cursor().execute("INSERT INTO iso_shared VALUES (0)").rowcount == 1
        b.cursor().execute("DELETE FROM iso_shared")
        # Read committed: a's open transaction is invisible to b until it commits.
        a.autocommit = False
        a.cursor().execute("INSERT INTO iso_shared VALUES (1)")
        assert b.cursor().execute("SELECT COUNT(*) FROM iso_shared").fetchone()[0] == 0
        a.commit()
        assert b.cursor().execute("SELECT COUNT(*) FROM iso_shared").fetchone()[0] == 1
        a.cursor().execute("INSERT INTO iso_shared VALUES (2)")
        a.rollback()
        assert b.cursor().execute("SELECT COUNT(*) FROM iso_shared").fetchone()[0] == 1
        a.autocommit = True
        # Another configured database is another SQLite database.
        other = ms18(server, Database="master")
        assert other.cursor().execute("SELECT DB_NAME()").fetchone()[0] == "master"
        with pytest.raises(pyodbc.Error) as elsewhere:
            other.cursor().execute("SELECT COUNT(*) FROM iso_shared")
        assert "Invalid object name" in str(elsewhere.value)
    finally:
        b.cursor().execute("DROP TABLE IF EXISTS iso_shared")


def test_200_concurrent_sessions_query_at_once(server):
    ms18_or_skip()
    conns, errors = {}, []

    def open_and_query(i):
        try:
            c = pyodbc.connect(server.connection_string("MS18"), autocommit=True, timeout=30)
            conns[i] = c
            barrier.wait(60)  # all 200 are open at the same time
            got = c.cursor().execute("SELECT ?, @@SPID", i).fetchone()
            assert got[0] == i
            spids.append(got[1])
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(e))
            barrier.abort()

    barrier, spids = threading.Barrier(200), []
    threads = [threading.Thread(target=open_and_query, args=(i,)) for i in range(200)]
    started = time.time()
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    try:
        assert not errors, errors[:3]
        assert len(set(spids)) == 200, "every session has its own @@SPID"
        assert time.time() - started < 90
    finally:
        [c.close() for c in conns.values()]


# --- routing ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def routing_server():
    srv = RunningServer("[faults]\nroute_logins = true\n")
    yield srv
    srv.stop()


def test_routing_envchange_lands_on_the_second_listener(routing_server, peer, request):
    known_difference(request, peer, {"FreeTDS": "followed the routing ENVCHANGE under pytest but timed out once in a manual run"})
    cnx = pyodbc.connect(routing_server.connection_string(peer), autocommit=True, timeout=10)
    port = cnx.cursor().execute("SELECT local_tcp_port FROM sys.dm_exec_connections "
                                "WHERE session_id = @@SPID").fetchone()[0]
    assert port == routing_server.info["redirect_port"] != routing_server.info["tds_port"]
    cnx.close()


# --- cancel -------------------------------------------------------------------------------------

def test_sqlcancel_from_another_thread_stops_a_long_bench_query(server, peer, peer_connect):
    """SQLCancel while the app thread is fetching 10^8 streamed rows: the driver sends ATTENTION,
    the server stops the stream and answers DONE_ATTN (testserver/tests/attention.rs checks the
    bytes); the fetch ends early and the connection serves the next statement."""
    if peer == "MSRS":
        pytest.skip("MSRS: SQLCancel is a stub; the fetch would run through 10^8 rows")
    cnx = peer_connect()
    spid = spid_of(cnx)
    cur = cnx.cursor()
    cur.execute("SELECT * FROM bench.narrow(100000000)")
    canceller = threading.Timer(0.5, cur.cancel)
    started = time.time()
    canceller.start()
    fetched = 0
    try:
        while cur.fetchmany(10000):
            fetched += 10000
            assert time.time() - started < 20, "cancel did not stop the stream"
    except pyodbc.Error as e:
        # What the app sees is the client's choice: HY008; or, when the driver closed the
        # cursor (SQLCancel between fetches acts as SQLFreeStmt(SQL_CLOSE)), HY010 from unixODBC
        # or 24000 from FreeTDS, depending on where the fetch was when the cancel came.
        assert e.args[0] in ("HY008", "HY010", "24000"), e
    canceller.join()
    assert time.time() - started < 10 and fetched < 100000000
    assert cur.execute("SELECT 21").fetchone()[0] == 21
    assert re.search(rf"attention spid={spid}\b", server_log(server))


# --- Entra ID: MSAL workflow through MS18 --------------------------------------------------------

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def test_msal_fedauth_workflow_through_ms18(server, tmp_path):
    """Authentication=ActiveDirectoryServicePrincipal: MS18 asks for FEDAUTH (library MSAL),
    the server answers FEDAUTHINFO with the Entra mock's STS URL and the SPN, MS18 fetches a
    token there (libcurl: system bundle only, so the CA goes into it inside `unshare -m`) and
    sends it in a FEDAUTH_TOKEN message, which the server validates."""
    ms18_or_skip()
    mode = "ActiveDirectoryServicePrincipal"
    if mode not in server.info.get("connection_strings", {}):
        pytest.skip("testserver has no Entra mock (ready file lacks connection_strings)")
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(Path(SYSTEM_BUNDLE).read_bytes() + b"\n" + Path(server.info["ca_file"]).read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    env.update(server.info["env"][mode])
    cs = "Driver={MS18};" + server.info["connection_strings"][mode]
    code = ("import pyodbc\n"
            f"c = pyodbc.connect({cs!r}, timeout=15)\n"
            "print(c.execute('SELECT @@SPID').fetchone()[0])\n")
    script = 'mount --bind "$1" ' + SYSTEM_BUNDLE + ' || exit 99; exec "$2" -c "$3"'
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(bundle), sys.executable, code],
                       env=env, capture_output=True, text=True, timeout=60)
    if r.returncode == 99 or "unshare failed" in r.stderr:
        pytest.skip(f"no private mount namespace here (needs root or user namespaces): {r.stderr.strip()}")
    assert r.returncode == 0, f"MS18 could not log in: {r.stderr[-800:]}"
    spid = int(r.stdout.strip())
    log = server_log(server)
    assert re.search(rf"fedauthinfo sent spid={spid} workflow=\S+ sts=https://127\.0\.0\.1:\d+/", log), \
        "FEDAUTHINFO (MSAL workflow) was sent, with the mock's HTTPS STS"
    assert re.search(rf"token accepted spid={spid} ", log)


# --- tsql (freetds-bin) -------------------------------------------------------------------------

def tsql(srv, sql, password=None, host="127.0.0.1", conf=None):
    if shutil.which("tsql") is None:
        pytest.skip("tsql not installed (apt-get install freetds-bin)")
    env = dict(os.environ, TDSVER="7.4")
    if conf:
        env["FREETDSCONF"] = str(conf)
    args = ["tsql", "-H", host, "-p", str(srv.info["tds_port"]), "-U", srv.info["sql_user"],
            "-P", password or srv.info["sql_password"], "-D", srv.info["database"], "-o", "q"]
    return subprocess.run(args, input=sql + "\ngo\nexit\n", capture_output=True, text=True,
                          env=env, timeout=30)


def test_tsql_queries_results_messages_and_errors(server):
    r = tsql(server, "SELECT 1 AS one, N'café' AS t\ngo\nSELECT 2; SELECT 3\ngo\n"
                     "PRINT 'hello print'\ngo\nRAISERROR('it broke', 16, 1)")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert re.search(r"one\s+t\n1\s+café", r.stdout), out
    assert re.search(r"\n2\n\s*\n3\n", r.stdout), out
    assert "hello print" in out
    assert re.search(r"Msg 50000 \(severity 16, state 1\)[^\n]*\n\s*\"it broke\"", out), out


def test_tsql_bad_password_is_18456_state_8(server):
    r = tsql(server, "SELECT 1", password="wrong")
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "Msg 18456 (severity 14, state 8)" in out and "Login failed for user 'testuser'." in out


def test_tsql_required_encryption_validates_the_certificate(server, tmp_path):
    def conf(ca):
        path = tmp_path / f"freetds-{Path(ca).stem}.conf"
        path.write_text(f"[global]\n  encryption = require\n  ca file = {ca}\n"
                        "  check certificate hostname = yes\n")
        return path

    query = "SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID"
    trusted = tsql(server, query, host="localhost", conf=conf(server.info["ca_file"]))
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "TRUE" in trusted.stdout
    untrusted = tsql(server, query, host="localhost", conf=conf(SYSTEM_BUNDLE))
    assert untrusted.returncode != 0 and "TRUE" not in untrusted.stdout


def test_tsql_shows_error_number_state_class_server_and_line(server):
    r = tsql(server, "SELECT 1\ngo\nTHROW 51000, 'thrown', 3\ngo\nSELECT 1\nSELEC 2")
    out = r.stdout + r.stderr
    assert re.search(r"Msg 51000 \(severity 16, state 3\) from testserver Line 1", out), out
    assert re.search(r"Msg 102 \(severity 15, state 1\) from testserver Line \d", out), out


@pytest.mark.xfail(reason="sql engine: errors report Line 1 wherever they are in the batch; reported",
                   strict=False)
def test_tsql_error_line_is_the_line_in_the_batch(server):
    out = tsql(server, "SELECT 1\nSELEC 2").stdout
    assert re.search(r"Msg 102 \(severity 15, state 1\) from testserver Line 2", out), out
