"""Shared by the fake `az` and `azd`: fetch a user token for the mock's signed-in CLI user."""
import json
import os
import sys
import time
import urllib.parse
import urllib.request


def fetch(tool, scope=None, resource=None):
    base = os.environ.get("FAKE_CLI_MOCK_URL")
    if os.environ.get("FAKE_CLI_SLEEP"):
        time.sleep(float(os.environ["FAKE_CLI_SLEEP"]))
    if not base or os.environ.get("FAKE_CLI_LOGGED_OUT"):
        return None
    q = {"tool": tool}
    if scope:
        q["scope"] = scope
    if resource:
        q["resource"] = resource
    url = f"{base}/_cli/token?{urllib.parse.urlencode(q)}"
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        body = json.load(e)
        sys.stderr.write(body.get("error", "ERROR: token request failed") + "\n")
        sys.exit(1)


def arg(argv, *names):
    for i, a in enumerate(argv):
        for n in names:
            if a == n and i + 1 < len(argv):
                return argv[i + 1]
            if a.startswith(n + "="):
                return a.split("=", 1)[1]
    return None
