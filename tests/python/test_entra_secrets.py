"""No secret of an Entra ID login reaches anything a user or an operator reads.

One child process (so the driver's token cache starts cold and its stderr is ours to read)
logs in through unixODBC with every Authentication mode, and with the classic failures, calling
SQLDriverConnect through ctypes so the out connection string and every diagnostic record are
seen as an application sees them. The test then greps all of it, the child's stdout/stderr
(where the device-code message and any driver output go) and the testserver's log at debug level
(TDS listener and Entra mock) for every secret the run used: passwords, client secrets, the
PKCS#12 password, IDENTITY_HEADER, the federated token, the Arc key file's contents, and any
JWT-shaped text (every access token the mock issues is one).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OUR_DRIVER, RunningServer
from test_entra_modes import ENTRA_VARS, MODES

CHILD = r'''
import ctypes, json, os, sys

odbc = ctypes.CDLL("libodbc.so.2")
SQL_HANDLE_ENV, SQL_HANDLE_DBC, SQL_NO_DATA = 1, 2, 100


def diagnostics(handle):
    records, i = [], 1
    while True:
        state, native = ctypes.create_string_buffer(6), ctypes.c_int(0)
        msg, length = ctypes.create_string_buffer(8192), ctypes.c_short(0)
        rc = odbc.SQLGetDiagRec(SQL_HANDLE_DBC, handle, i, state, ctypes.byref(native), msg,
                                len(msg), ctypes.byref(length))
        if rc not in (0, 1):
            return records
        records.append(state.value.decode() + " " + msg.value.decode("utf-8", "replace"))
        i += 1


env = ctypes.c_void_p()
odbc.SQLAllocHandle(SQL_HANDLE_ENV, None, ctypes.byref(env))
odbc.SQLSetEnvAttr(env, 200, ctypes.c_void_p(3), 0)
results = []
for case in json.loads(sys.stdin.read()):
    for k in case["clear"]:
        os.environ.pop(k, None)
    os.environ.update(case["env"])
    dbc = ctypes.c_void_p()
    odbc.SQLAllocHandle(SQL_HANDLE_DBC, env, ctypes.byref(dbc))
    out, out_len = ctypes.create_string_buffer(4096), ctypes.c_short(0)
    rc = odbc.SQLDriverConnect(dbc, None, case["conn"].encode(), -3, out, len(out),
                               ctypes.byref(out_len), 0)
    results.append({"name": case["name"], "rc": rc, "out": out.value.decode("utf-8", "replace"),
                    "diag": diagnostics(dbc)})
    if rc in (0, 1):
        odbc.SQLDisconnect(dbc)
    odbc.SQLFreeHandle(SQL_HANDLE_DBC, dbc)
print(json.dumps(results))
'''

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")
KEYWORD_SECRET = re.compile(r"(?i)\bPWD=\{?([^;}]+)")
ENV_SECRETS = ("AZURE_CLIENT_SECRET", "AZURE_PASSWORD", "IDENTITY_HEADER")


def failing_cases(info):
    """The classic mistakes, each with a secret in play: wrong client secret, wrong user
    password, wrong PKCS#12 password, a user missing in the database, a Default chain where
    nothing is signed in."""
    cs, env = info["connection_strings"], info["env"]

    def replace_pwd(conn, new):
        return KEYWORD_SECRET.sub("PWD={" + new, conn, count=1)

    return [
        ("wrong secret", replace_pwd(cs["ActiveDirectoryServicePrincipal"], "wrong-secret-0x5eC12"),
         env["ActiveDirectoryServicePrincipal"]),
        ("wrong password", replace_pwd(cs["ActiveDirectoryPassword"], "wrong-pass-0x5eC12"),
         env["ActiveDirectoryPassword"]),
        ("wrong pfx password",
         replace_pwd(cs["ActiveDirectoryServicePrincipalCertificate/pkcs12"], "wrong-pfx-0x5eC12"),
         env["ActiveDirectoryServicePrincipalCertificate/pkcs12"]),
        ("not in database", cs["ActiveDirectoryPassword/not-in-database"],
         env["ActiveDirectoryPassword/not-in-database"]),
        ("default, nothing signed in", cs["ActiveDirectoryDefault"],
         dict(env["ActiveDirectoryDefault"], FAKE_CLI_LOGGED_OUT="1",
              AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:9")),
    ]


def secrets_of(info, cases):
    found = {"wrong-secret-0x5eC12", "wrong-pass-0x5eC12", "wrong-pfx-0x5eC12"}
    for _, conn, env in cases:
        found.update(KEYWORD_SECRET.findall(conn))
        found.update(env[k] for k in ENV_SECRETS if env.get(k))
        token_file = env.get("AZURE_FEDERATED_TOKEN_FILE")
        if token_file and Path(token_file).exists():
            found.add(Path(token_file).read_text().strip())
    return {s for s in found if len(s) >= 6}


def arc_keys(info):
    """The Arc challenge key files the mock wrote (their content is a secret)."""
    key_dir = info["env"]["ActiveDirectoryManagedIdentity/arc"].get("SQLSERVER_ODBC_ARC_KEY_DIR")
    if not key_dir or not Path(key_dir).is_dir():
        return set()
    return {p.read_text().strip() for p in Path(key_dir).iterdir() if p.is_file()} - {""}


@pytest.fixture
def logged_server(monkeypatch):
    monkeypatch.setenv("RUST_LOG", "debug")
    srv = RunningServer()
    if "connection_strings" not in srv.info:
        srv.stop()
        pytest.skip("testserver has no Entra mock (ready file lacks connection_strings)")
    yield srv
    srv.stop()


def test_no_secret_in_diagnostics_out_string_or_logs(logged_server):
    info = logged_server.info
    cases = [(m, info["connection_strings"][m], info["env"][m]) for m in MODES]
    cases += failing_cases(info)
    payload = [{"name": n, "conn": f"Driver={{{OUR_DRIVER}}};" + c, "env": e,
                "clear": sorted(ENTRA_VARS)} for n, c, e in cases]
    child_env = {k: v for k, v in os.environ.items() if k not in ENTRA_VARS}
    r = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps(payload), env=child_env,
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads(r.stdout)

    # The run did what it claims: every mode logged in, every mistake failed with a diagnostic.
    by_name = {x["name"]: x for x in results}
    for mode in MODES:
        assert by_name[mode]["rc"] in (0, 1), (mode, by_name[mode]["diag"])
        assert by_name[mode]["out"].startswith("DRIVER=") and "Authentication=" in by_name[mode]["out"], \
            by_name[mode]["out"]
    for name, _, _ in failing_cases(info):
        assert by_name[name]["rc"] == -1 and by_name[name]["diag"], (name, by_name[name])

    # DeviceCode shows the sign-in message to the person, on stderr.
    assert "To sign in, use a web browser to open the page" in r.stderr, r.stderr[-1000:]
    log = (Path(logged_server.dir.name) / "server.log").read_text()
    assert "token" in log.lower(), "the testserver log at debug level shows the Entra traffic"
    secrets = secrets_of(info, cases) | arc_keys(info)
    assert len(secrets) >= 8, secrets
    places = {"child stderr": r.stderr, "testserver log": log}
    for x in results:
        places[f"{x['name']}: out connection string"] = x["out"]
        places[f"{x['name']}: diagnostics"] = "\n".join(x["diag"])
    for where, text in places.items():
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:3]}...) appears in {where}"
        jwt = JWT.search(text)
        assert jwt is None, f"a JWT ({jwt.group(0)[:12]}...) appears in {where}"
