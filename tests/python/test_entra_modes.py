"""Microsoft Entra ID logins end to end: pyodbc -> unixODBC -> driver -> token source ->
testserver's Entra mock -> token in LOGIN7/FEDAUTH -> testserver's TDS listener.

The ready file names, per Authentication mode, a connection string (`connection_strings`) and
the environment that mode needs (`env`: IDENTITY_ENDPOINT, AZURE_*, PATH with the fake az, the
CA as SSL_CERT_FILE). Tests that count token requests start their own testserver so the
driver's per-process token cache is cold for them (its key includes the authority's port).
"""
import json
import os
import re
import threading
import time
import urllib.request

import pytest

from conftest import OUR_DRIVER, RunningServer
from driver_helpers import query_waiting_on_the_server

pyodbc = pytest.importorskip("pyodbc")

MODES = [
    "ActiveDirectoryServicePrincipal",
    "ActiveDirectoryServicePrincipalCertificate",
    "ActiveDirectoryServicePrincipalCertificate/pkcs12",
    "ActiveDirectoryPassword",
    "ActiveDirectoryMsi",
    "ActiveDirectoryManagedIdentity",
    "ActiveDirectoryManagedIdentity/imds",
    "ActiveDirectoryManagedIdentity/user-assigned",
    "ActiveDirectoryManagedIdentity/arc",
    "ActiveDirectoryManagedIdentity/cloudshell",
    "ActiveDirectoryWorkloadIdentity",
    "ActiveDirectoryDefault",
    "ActiveDirectoryDefault/environment",
    "ActiveDirectoryDeviceCode",
    "ActiveDirectoryInteractive",
]

# Which mock endpoint (counter name) each mode must have used.
ENDPOINT = {
    "ActiveDirectoryServicePrincipal": "token:client_credentials",
    "ActiveDirectoryServicePrincipalCertificate": "token:client_credentials",
    "ActiveDirectoryServicePrincipalCertificate/pkcs12": "token:client_credentials",
    "ActiveDirectoryPassword": "token:password",
    "ActiveDirectoryMsi": "appservice",
    "ActiveDirectoryManagedIdentity": "appservice",
    "ActiveDirectoryManagedIdentity/imds": "imds",
    "ActiveDirectoryManagedIdentity/user-assigned": "imds",
    "ActiveDirectoryManagedIdentity/arc": "arc",
    "ActiveDirectoryManagedIdentity/cloudshell": "cloudshell",
    "ActiveDirectoryWorkloadIdentity": "token:client_credentials",
    "ActiveDirectoryDefault": "cli:az",
    "ActiveDirectoryDefault/environment": "token:client_credentials",
    "ActiveDirectoryDeviceCode": "token:device_code",
    "ActiveDirectoryInteractive": "token:authorization_code",
}

# Variables any mode's env may set: cleared before each connect so modes do not mix.
ENTRA_VARS = {"IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT", "MSI_ENDPOINT",
              "AZURE_POD_IDENTITY_AUTHORITY_HOST", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
              "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST", "AZURE_FEDERATED_TOKEN_FILE",
              "AZURE_USERNAME", "AZURE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PATH",
              "SQLSERVER_ODBC_ARC_KEY_DIR", "BROWSER", "FAKE_CLI_LOGGED_OUT", "DISPLAY",
              "WAYLAND_DISPLAY"}


def mock_get(srv, path):
    with urllib.request.urlopen(srv.info["entra_url"] + path, timeout=10) as r:
        return json.load(r)


def mock_post(srv, path, body):
    req = urllib.request.Request(srv.info["entra_url"] + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)


def use_env(monkeypatch, srv, mode):
    for k in ENTRA_VARS:
        monkeypatch.delenv(k, raising=False)
    for k, v in srv.info["env"][mode].items():
        monkeypatch.setenv(k, v)


def conn_str(srv, mode, driver=OUR_DRIVER):
    return f"Driver={{{driver}}};" + srv.info["connection_strings"][mode]


def connect(srv, mode, monkeypatch, timeout=15, driver=OUR_DRIVER):
    use_env(monkeypatch, srv, mode)
    return pyodbc.connect(conn_str(srv, mode, driver), timeout=timeout, autocommit=True)


@pytest.fixture(scope="module")
def mock_server(server):
    if "connection_strings" not in server.info:
        pytest.skip("testserver has no Entra mock (ready file lacks connection_strings)")
    return server


@pytest.fixture(scope="module")
def entra_server(mock_server):
    return mock_server


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_connects_through_the_mock(entra_server, monkeypatch, mode):
    before = mock_get(entra_server, "/_counters").get(ENDPOINT[mode], 0)
    cnx = connect(entra_server, mode, monkeypatch)
    assert cnx.execute("SELECT 42").fetchone()[0] == 42
    cnx.close()
    after = mock_get(entra_server, "/_counters").get(ENDPOINT[mode], 0)
    # A token cached by an earlier test for the same identity is fine; otherwise this
    # mode's own endpoint must have answered.
    assert after >= before
    assert after >= 1, f"{mode} never reached {ENDPOINT[mode]}"


def test_the_token_names_the_right_principal(entra_server, monkeypatch):
    cnx = connect(entra_server, "ActiveDirectoryPassword", monkeypatch)
    name = cnx.execute("SELECT SUSER_SNAME()").fetchone()[0]
    if name == 0:
        pytest.xfail("testserver's SUSER_SNAME() returns 0 for every login (sql-engine)")
    assert name == "alice@contoso.example"


def test_wrong_secret_is_fa004_with_the_aadsts_code_and_no_secret(entra_server, monkeypatch):
    use_env(monkeypatch, entra_server, "ActiveDirectoryServicePrincipal")
    cs = conn_str(entra_server, "ActiveDirectoryServicePrincipal").replace(
        "PWD={app-secret-value~1}", "PWD={wrong-secret-42}")
    with pytest.raises(pyodbc.Error) as e:
        pyodbc.connect(cs, timeout=15)
    text = str(e.value)
    assert e.value.args[0] == "FA004", text
    assert "Failed to authenticate the user '0f1e2d3c-0000-4000-8000-00000000a001' in Active Directory " \
           "(Authentication option is 'ActiveDirectoryServicePrincipal')." in text
    assert "AADSTS7000215" in text
    assert "wrong-secret-42" not in text and "app-secret-value" not in text


def test_principal_missing_in_the_database_gets_the_create_user_statement(entra_server, monkeypatch):
    with pytest.raises(pyodbc.Error) as e:
        connect(entra_server, "ActiveDirectoryPassword/not-in-database", monkeypatch)
    text = str(e.value)
    assert e.value.args[0] == "28000", text
    assert "CREATE USER [bob@contoso.example] FROM EXTERNAL PROVIDER" in text, text
    assert "WITH SID = 0x3C2D1E0F00000040800000000000C002, TYPE = E" in text, text


def test_a_cached_token_the_server_stops_accepting_is_replaced_within_the_connect(fresh_server,
                                                                                 monkeypatch):
    # The driver caches tokens; msodbcsql gets one per connect. When the server refuses a token
    # it accepted before (here: the issuer's key was rotated and the old one revoked; in Azure:
    # the principal's group membership changed), the connect must not fail until the cached
    # token expires: it gets a new token and logs in.
    connect(fresh_server, "ActiveDirectoryServicePrincipal", monkeypatch).close()
    mock_post(fresh_server, "/_signing_key/rotate", {})
    cnx = connect(fresh_server, "ActiveDirectoryServicePrincipal", monkeypatch)
    assert cnx.execute("SELECT SUSER_NAME()").fetchone()[0] == "app-secret"
    cnx.close()
    assert mock_get(fresh_server, "/_counters")["token:client_credentials"] == 2
    connect(fresh_server, "ActiveDirectoryServicePrincipal", monkeypatch).close()
    assert mock_get(fresh_server, "/_counters")["token:client_credentials"] == 2, \
        "the new token is cached"


def test_a_refused_fresh_token_is_not_retried_and_not_kept(fresh_server, monkeypatch):
    # A token fetched for this very login would be refused again: one login per connect. It
    # is not cached either, so the next connect asks the STS again, as msodbcsql would.
    for attempt in (1, 2):
        with pytest.raises(pyodbc.Error) as e:
            connect(fresh_server, "ActiveDirectoryPassword/not-in-database", monkeypatch)
        assert e.value.args[0] == "28000", str(e.value)
        assert mock_get(fresh_server, "/_counters")["token:password"] == attempt


@pytest.mark.parametrize("mode", ["ActiveDirectoryPassword", "ActiveDirectoryServicePrincipal"])
def test_password_modes_need_uid_and_pwd_fa003(entra_server, mode):
    cs = re.sub(r";PWD=\{[^}]*\}", "", conn_str(entra_server, mode))
    with pytest.raises(pyodbc.Error) as e:
        pyodbc.connect(cs, timeout=5)
    assert e.value.args[0] == "FA003", str(e.value)
    assert f"Both User and Password options must be specified, if Authentication option is '{mode}'." \
        in str(e.value)


def test_integrated_is_not_supported_and_says_so(entra_server):
    cs = f"Driver={{{OUR_DRIVER}}};" + entra_server.info["connection_strings"]["ActiveDirectoryDefault"].replace(
        "ActiveDirectoryDefault", "ActiveDirectoryIntegrated")
    with pytest.raises(pyodbc.Error) as e:
        pyodbc.connect(cs, timeout=5)
    assert e.value.args[0] == "HYC00", str(e.value)
    assert "ActiveDirectoryIntegrated is not supported" in str(e.value)


def test_default_chain_reports_every_source_when_none_works(entra_server, monkeypatch):
    use_env(monkeypatch, entra_server, "ActiveDirectoryDefault")
    monkeypatch.setenv("FAKE_CLI_LOGGED_OUT", "1")
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9")  # nothing listens
    cs = conn_str(entra_server, "ActiveDirectoryDefault") + ";UID=no-such-identity"
    started = time.time()
    with pytest.raises(pyodbc.Error) as e:
        pyodbc.connect(cs, timeout=15)
    text = str(e.value)
    assert time.time() - started < 10
    assert e.value.args[0] == "FA004", text
    for source in ["Environment", "WorkloadIdentity", "ManagedIdentity (IMDS)", "AzureCli", "AzureDeveloperCli"]:
        assert source in text, f"{source} missing from: {text}"


@pytest.fixture
def fresh_server():
    """A testserver of its own: a new authority port and signing key, so the driver's token
    cache is cold. (Should the port be one an earlier testserver had, the driver's cached token
    for it is refused and replaced within the connect, with the same one token request.)"""
    srv = RunningServer()
    try:
        # Another identity than the tests below use, and counters back to zero: their cache
        # entry stays cold.
        mock_post(srv, "/_counters/reset", {})
        yield srv
    finally:
        srv.stop()


def test_32_simultaneous_cold_connects_make_one_token_request(fresh_server, monkeypatch):
    mode = "ActiveDirectoryServicePrincipal"
    use_env(monkeypatch, fresh_server, mode)
    cs = conn_str(fresh_server, mode)
    errors, barrier = [], threading.Barrier(32)

    def one():
        try:
            barrier.wait()
            c = pyodbc.connect(cs, timeout=30, autocommit=True)
            c.execute("SELECT 1").fetchone()
            c.close()
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    assert mock_get(fresh_server, "/_counters").get("token:client_credentials") == 1


def test_a_token_request_goes_on_while_another_thread_waits_on_the_server(fresh_server,
                                                                          monkeypatch):
    # The token request (HTTP to the mock) and the login run while another thread's query is
    # waiting on the server: neither may wait for the other.
    with query_waiting_on_the_server(fresh_server.connection_string()) as slow_done:
        c = connect(fresh_server, "ActiveDirectoryServicePrincipal", monkeypatch, timeout=10)
        assert c.execute("SELECT 42").fetchone()[0] == 42
        c.close()
        assert mock_get(fresh_server, "/_counters").get("token:client_credentials") == 1
        assert not slow_done.is_set(), "the Entra login waited for the other thread's query"


def test_ten_second_tokens_over_forty_seconds(fresh_server, monkeypatch):
    mock_post(fresh_server, "/_config", {"token_lifetime_secs": 10})
    mode = "ActiveDirectoryServicePrincipal"
    use_env(monkeypatch, fresh_server, mode)
    cs = conn_str(fresh_server, mode)
    end = time.time() + 40
    connects = 0
    while time.time() < end:
        c = pyodbc.connect(cs, timeout=15, autocommit=True)
        assert c.execute("SELECT 1").fetchone()[0] == 1
        c.close()
        connects += 1
        time.sleep(0.25)
    requests = mock_get(fresh_server, "/_counters")["token:client_credentials"]
    assert connects > 60
    assert 4 <= requests <= 6, f"{requests} token requests for {connects} connects"


def test_throttled_twice_then_success(fresh_server, monkeypatch):
    mock_post(fresh_server, "/_faults", [{"endpoint": "token", "status": 429, "retry_after": 1, "times": 2}])
    started = time.time()
    cnx = connect(fresh_server, "ActiveDirectoryServicePrincipal", monkeypatch)
    assert cnx.execute("SELECT 1").fetchone()[0] == 1
    assert time.time() - started >= 2, "Retry-After was honoured"
    assert mock_get(fresh_server, "/_counters")["token"] == 3


def test_imds_down_is_a_clear_error_within_the_login_timeout(fresh_server, monkeypatch):
    mock_post(fresh_server, "/_faults", [{"endpoint": "imds", "status": 503}])
    started = time.time()
    with pytest.raises(pyodbc.Error) as e:
        connect(fresh_server, "ActiveDirectoryManagedIdentity/imds", monkeypatch, timeout=5)
    took = time.time() - started
    text = str(e.value)
    assert took < 7, took
    assert e.value.args[0] in ("FA004", "HYT00"), text
    assert "IMDS" in text and "503" in text, text
    assert 2 <= mock_get(fresh_server, "/_counters")["imds"] <= 8


MS18_MODES = ["ActiveDirectoryServicePrincipal", "ActiveDirectoryPassword", "ActiveDirectoryMsi",
              "ActiveDirectoryMsi/user-assigned-appservice"]
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def ms18_case(srv, mode, driver):
    """(connection string, env) for a mode MS18 supports on Linux. The user-assigned variant
    runs over App Service (MS18's IMDS address cannot be pointed at the mock)."""
    if mode == "ActiveDirectoryMsi/user-assigned-appservice":
        uid = re.search(r"UID=([^;]+)",
                        srv.info["connection_strings"]["ActiveDirectoryManagedIdentity/user-assigned"]).group(1)
        return (conn_str(srv, "ActiveDirectoryMsi", driver) + f";UID={uid}",
                srv.info["env"]["ActiveDirectoryMsi"])
    return conn_str(srv, mode, driver), srv.info["env"][mode]


def test_user_assigned_identity_over_app_service(entra_server, monkeypatch):
    cs, env = ms18_case(entra_server, "ActiveDirectoryMsi/user-assigned-appservice", OUR_DRIVER)
    for k in ENTRA_VARS:
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cnx = pyodbc.connect(cs, timeout=15, autocommit=True)
    name = cnx.execute("SELECT SUSER_SNAME()").fetchone()[0]
    if name == 0:
        pytest.xfail("testserver's SUSER_SNAME() returns 0 for every login (sql-engine)")
    assert name == "uami1"


@pytest.mark.parametrize("mode", MS18_MODES)
def test_ms18_reference_driver_with_the_same_mock(mock_server, tmp_path, mode):
    """MS18 fetches tokens with libcurl, which trusts only the system CA bundle (it ignores
    SSL_CERT_FILE). The test adds testserver's CA to that bundle inside a private mount
    namespace (`unshare -m`), leaving the machine's trust store untouched."""
    import subprocess
    import sys

    if "MS18" not in pyodbc.drivers():
        pytest.skip("Microsoft ODBC Driver 18 (MS18) is not registered in this ODBCSYSINI")
    bundle = tmp_path / "bundle.pem"
    with open(SYSTEM_BUNDLE, "rb") as f:
        system = f.read()
    with open(mock_server.info["ca_file"], "rb") as f:
        bundle.write_bytes(system + b"\n" + f.read())
    env = dict(os.environ)
    for k in ENTRA_VARS:
        env.pop(k, None)
    cs, mode_env = ms18_case(mock_server, mode, "MS18")
    env.update(mode_env)
    code = ("import pyodbc, sys\n"
            f"c = pyodbc.connect({cs!r}, timeout=15)\n"
            "print(c.execute('SELECT 42').fetchone()[0])\n")
    script = 'mount --bind "$1" ' + SYSTEM_BUNDLE + ' || exit 99; exec "$2" -c "$3"'
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(bundle), sys.executable, code],
                       env=env, capture_output=True, text=True, timeout=60)
    if r.returncode == 99 or "unshare failed" in r.stderr:
        pytest.skip(f"no private mount namespace here (needs root or user namespaces): {r.stderr.strip()}")
    assert r.returncode == 0, f"MS18 could not log in with {mode}: {r.stderr[-800:]}"
    assert r.stdout.strip() == "42"
