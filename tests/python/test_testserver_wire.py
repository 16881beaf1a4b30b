"""The stand-in's wire behaviour seen through real drivers: TLS modes, logins, access tokens,
cancel, faults, routing, concurrency. MS18 is the reference and must pass; differences of
other peers are expected failures with the reason."""
import base64
import json
import os
import struct
import subprocess
import threading
import time

import pyodbc
import pytest

from conftest import RunningServer, known_difference

OID = "11111111-1111-1111-1111-111111111111"


def test_select_1(peer_connect):
    assert peer_connect().cursor().execute("SELECT 1").fetchone()[0] == 1


@pytest.mark.parametrize("keywords", [
    {"Encrypt": "no", "TrustServerCertificate": None},
    {"Encrypt": "yes", "TrustServerCertificate": "yes"},
])
def test_sql_login_encryption_modes(peer_connect, keywords):
    assert peer_connect(**keywords).cursor().execute("SELECT 2").fetchone()[0] == 2


def test_encrypt_yes_validates_the_certificate(server, peer, peer_connect, monkeypatch, request):
    known_difference(request, peer, {"FreeTDS": "does not validate certificates by default",
                                     "MSRS": "loads the trust store once per process (SSL_CERT_FILE set later is ignored)"})
    port = server.info["tds_port"]
    with pytest.raises(pyodbc.Error) as failure:
        peer_connect(Server=f"localhost,{port}", Encrypt="yes", TrustServerCertificate="no")
    assert "certificate verify failed" in str(failure.value)
    monkeypatch.setenv("SSL_CERT_FILE", server.info["ca_file"])
    cnx = peer_connect(Server=f"localhost,{port}", Encrypt="yes", TrustServerCertificate="no")
    assert cnx.cursor().execute("SELECT 3").fetchone()[0] == 3


def test_strict_tds8(server, peer, peer_connect, monkeypatch, request):
    known_difference(request, peer, {"FreeTDS": "FreeTDS 1.3 has no TDS 8.0 strict encryption"})
    monkeypatch.setenv("SSL_CERT_FILE", server.info["ca_file"])
    cnx = peer_connect(Server=f"localhost,{server.info['strict_port']}", Encrypt="strict",
                       TrustServerCertificate=None)
    assert cnx.cursor().execute("SELECT 4").fetchone()[0] == 4


def test_strict_refuses_an_untrusted_certificate(server, peer, peer_connect, request):
    known_difference(request, peer, {"FreeTDS": "FreeTDS 1.3 has no TDS 8.0 strict encryption",
                                     "MSRS": "keeps the trust store of an earlier connection in the process"})
    with pytest.raises(pyodbc.Error) as failure:
        peer_connect(Server=f"localhost,{server.info['strict_port']}", Encrypt="strict",
                     TrustServerCertificate=None)
    assert "certificate verify failed" in str(failure.value)


def test_bad_password_is_18456(peer, peer_connect, request):
    known_difference(request, peer, {"FreeTDS": "reports login failure as 42000, not 28000"})
    with pytest.raises(pyodbc.Error) as failure:
        peer_connect(PWD="wrong")
    assert failure.value.args[0] == "28000"
    assert "Login failed for user" in str(failure.value) and "18456" in str(failure.value)


def test_unknown_database_is_refused(peer, peer_connect, request):
    known_difference(request, peer, {"FreeTDS": "shows only the last login error (18456), not 4060"})
    with pytest.raises(pyodbc.Error) as failure:
        peer_connect(Database="nosuchdb")
    assert "Cannot open database" in str(failure.value) or "4060" in str(failure.value)


def test_cancel_of_a_long_request(peer, peer_connect, request):
    known_difference(request, peer, {"MSRS": "SQLCancel is a stub in the Rust alpha"})
    cnx = peer_connect()
    cur = cnx.cursor()
    cur.execute("SET TESTSERVER_FAULT stall_ms 10000")
    started = time.time()
    canceller = threading.Timer(0.5, cur.cancel)
    canceller.start()
    try:
        cur.execute("SELECT 5")
        cur.fetchall()
    except pyodbc.Error:
        pass
    canceller.join()  # never free the handles while SQLCancel still runs
    assert time.time() - started < 5, "cancel did not end the request"
    cur.execute("SET TESTSERVER_FAULT clear")
    assert cur.execute("SELECT 6").fetchone()[0] == 6


def test_query_timeout_is_hyt00(peer, peer_connect, request):
    cnx = peer_connect()
    cnx.cursor().execute("SET TESTSERVER_FAULT stall_ms 5000")
    cnx.timeout = 1
    with pytest.raises(pyodbc.Error) as failure:
        cnx.cursor().execute("SELECT 7")
    assert failure.value.args[0] == "HYT00"


def test_dropped_connection_mid_result_then_server_keeps_serving(peer, peer_connect, request):
    known_difference(request, peer, {"MSRS": "reports HY000 'Connection closed', not 08S01",
                                     "FreeTDS": "reports 01000/08S01 'Unexpected EOF' warnings"})
    cnx = peer_connect()
    cur = cnx.cursor()
    cur.execute("SET TESTSERVER_FAULT drop_after_rows 1")
    with pytest.raises(pyodbc.Error) as failure:
        cur.execute("SELECT 8")
        cur.fetchall()
    assert failure.value.args[0] == "08S01"
    assert peer_connect().cursor().execute("SELECT 9").fetchone()[0] == 9


def test_malformed_token_stream_is_an_error_not_a_hang(peer_connect):
    cur = peer_connect().cursor()
    cur.execute("SET TESTSERVER_FAULT malformed_after_rows 1")
    started = time.time()
    with pytest.raises(pyodbc.Error):
        cur.execute("SELECT 10")
        cur.fetchall()
    assert time.time() - started < 10


def test_unknown_fault_control_is_an_error(peer_connect):
    with pytest.raises(pyodbc.Error) as failure:
        peer_connect().cursor().execute("SET TESTSERVER_FAULT nonsense 1")
    assert "unknown fault control" in str(failure.value)


def test_200_concurrent_sessions(server):
    if "MS18" not in pyodbc.drivers():
        pytest.skip("MS18 not registered")
    conns, errors = [], []

    def open_one(i):
        try:
            conns.append((i, pyodbc.connect(server.connection_string("MS18"), autocommit=True, timeout=30)))
        except pyodbc.Error as e:
            errors.append(e)

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(200)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    try:
        assert not errors
        assert all(c.cursor().execute(f"SELECT {i}").fetchone()[0] == i for i, c in conns)
    finally:
        [c.close() for _, c in conns]


# --- servers with a special configuration ---------------------------------------------------

@pytest.fixture(scope="module")
def routing_server():
    srv = RunningServer("[faults]\nroute_logins = true\n")
    yield srv
    srv.stop()


def test_routing_envchange_is_followed(routing_server, peer, request):
    known_difference(request, peer, {"FreeTDS": "followed the routing ENVCHANGE under pytest but timed out once in a manual run"})
    cnx = pyodbc.connect(routing_server.connection_string(peer), autocommit=True, timeout=10)
    assert cnx.cursor().execute("SELECT 11").fetchone()[0] == 11
    cnx.close()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenIssuer:
    """An RS256 signer the token server trusts (keys made with the openssl CLI)."""

    def __init__(self, directory):
        self.key = os.path.join(directory, "key.pem")
        self.pub = os.path.join(directory, "pub.pem")
        subprocess.run(["openssl", "genrsa", "-out", self.key, "2048"], check=True, capture_output=True)
        subprocess.run(["openssl", "rsa", "-in", self.key, "-pubout", "-out", self.pub], check=True,
                       capture_output=True)

    def token(self, aud="https://database.windows.net/", lifetime=3600, oid=OID):
        now = int(time.time())
        header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        claims = {"aud": aud, "exp": now + lifetime, "nbf": now - 60, "oid": oid, "tid": "tenant1"}
        signed = f"{header}.{_b64(json.dumps(claims).encode())}"
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=signed.encode(),
                             check=True, capture_output=True).stdout
        return f"{signed}.{_b64(sig)}"


def access_token_attr(token):
    raw = token.encode("utf-16-le")
    return struct.pack(f"<I{len(raw)}s", len(raw), raw)


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    issuer = TokenIssuer(str(tmp_path_factory.mktemp("keys")))
    srv = RunningServer(f"""
[fedauth]
sts_url = "https://127.0.0.1:9/tenant1"
public_key_files = ["{issuer.pub}"]
[[principals]]
name = "alice@contoso.com"
oid = "{OID}"
[[logins]]
name = "testuser"
password = "Test-Passw0rd!"
""")
    srv.issuer = issuer
    yield srv
    srv.stop()


def _token_connect(srv, peer, token):
    cs = srv.connection_string(peer, UID=None, PWD=None)
    return pyodbc.connect(cs, attrs_before={1256: access_token_attr(token)}, autocommit=True, timeout=10)


def test_access_token_attribute_1256(token_server, peer, request):
    known_difference(request, peer, {"FreeTDS": "no access-token support"})
    cnx = _token_connect(token_server, peer, token_server.issuer.token())
    assert cnx.cursor().execute("SELECT 12").fetchone()[0] == 12
    cnx.close()


@pytest.mark.parametrize("case,expected", [
    ("expired", "Token is expired"),
    ("audience", "Login failed for user '<token-identified principal>'"),
    ("principal", "Login failed for user '<token-identified principal>'"),
])
def test_bad_access_token_is_18456(token_server, peer, request, case, expected):
    known_difference(request, peer, {"FreeTDS": "no access-token support"})
    issuer = token_server.issuer
    token = {
        "expired": issuer.token(lifetime=-3600),
        "audience": issuer.token(aud="https://storage.azure.com/"),
        "principal": issuer.token(oid="someone-else"),
    }[case]
    with pytest.raises(pyodbc.Error) as failure:
        _token_connect(token_server, peer, token)
    assert "18456" in str(failure.value) and expected in str(failure.value)


def test_cancel_of_a_streaming_bench_query(peer, peer_connect):
    if peer == "MSRS":
        pytest.skip("MSRS: SQLCancel is a stub; the next statement would wait for 10^8 rows")
    cur = peer_connect().cursor()
    cur.execute("SELECT * FROM bench.narrow(100000000)")
    assert len(cur.fetchmany(1000)) == 1000
    started = time.time()
    cur.cancel()
    assert cur.execute("SELECT 13").fetchone()[0] == 13
    assert time.time() - started < 5


def test_cancel_of_waitfor(peer, peer_connect, request):
    known_difference(request, peer, {"MSRS": "SQLCancel is a stub in the Rust alpha"})
    cur = peer_connect().cursor()
    started = time.time()
    canceller = threading.Timer(0.5, cur.cancel)
    canceller.start()
    try:
        cur.execute("WAITFOR DELAY '00:00:10'")
    except pyodbc.Error:
        pass
    canceller.join()
    assert time.time() - started < 5
    assert cur.execute("SELECT 14").fetchone()[0] == 14


def test_expired_session_is_08s01(peer, peer_connect, request):
    known_difference(request, peer, {"MSRS": "reports HY000 'Connection closed'",
                                     "FreeTDS": "reports HY000 'Unknown error'"})
    cur = peer_connect().cursor()
    cur.execute("SET TESTSERVER_FAULT expire_after_ms 200")
    time.sleep(0.6)
    with pytest.raises(pyodbc.Error) as failure:
        cur.execute("SELECT 15")
    assert failure.value.args[0] == "08S01"


@pytest.fixture(scope="module")
def slow_login_server():
    srv = RunningServer("[faults]\nlogin_delay_ms = 1500\n")
    yield srv
    srv.stop()


def test_slow_login(slow_login_server, peer):
    started = time.time()
    cnx = pyodbc.connect(slow_login_server.connection_string(peer), autocommit=True, timeout=10)
    assert time.time() - started >= 1.5
    assert cnx.cursor().execute("SELECT 16").fetchone()[0] == 16
    cnx.close()


@pytest.fixture(scope="module")
def rejecting_server():
    srv = RunningServer("[faults]\nreject_logins = true\n")
    yield srv
    srv.stop()


def test_rejected_login(rejecting_server, peer):
    with pytest.raises(pyodbc.Error) as failure:
        pyodbc.connect(rejecting_server.connection_string(peer), autocommit=True, timeout=10)
    assert "18456" in str(failure.value)


@pytest.fixture(scope="module")
def no_tls_server():
    srv = RunningServer('encryption = "not-supported"\n')
    yield srv
    srv.stop()


def test_encryption_not_supported(no_tls_server, peer, request):
    known_difference(request, peer, {"FreeTDS": "FreeTDS ignores Encrypt=; it connects without TLS"})
    with pytest.raises(pyodbc.Error) as failure:
        pyodbc.connect(no_tls_server.connection_string(peer), autocommit=True, timeout=10)
    assert "ncryption not supported" in str(failure.value) or "08001" in str(failure.value)
    cnx = pyodbc.connect(no_tls_server.connection_string(peer, Encrypt="no", TrustServerCertificate=None),
                         autocommit=True, timeout=10)
    assert cnx.cursor().execute("SELECT 17").fetchone()[0] == 17
    cnx.close()


@pytest.fixture(scope="module")
def forced_tls_server():
    srv = RunningServer('encryption = "required"\n')
    yield srv
    srv.stop()


def test_forced_encryption_with_encrypt_no(forced_tls_server, peer):
    cnx = pyodbc.connect(forced_tls_server.connection_string(peer, Encrypt="no"), autocommit=True, timeout=10)
    assert cnx.cursor().execute("SELECT 18").fetchone()[0] == 18
    cnx.close()
