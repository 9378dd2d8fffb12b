"""A minimal OpenStack REST client for the e2e tier (python3 standard library only): password
login to Keystone v3, the catalog, and JSON requests that return (status, headers, body) instead of
raising, so callers can check error statuses and bodies as closely as successes."""
import json
import os
import time
import urllib.error
import urllib.request

TIMEOUT = 60


class Response:
    def __init__(self, method, url, status, headers, raw):
        self.method, self.url, self.status, self.headers, self.raw = method, url, status, headers, raw
        try:
            self.body = json.loads(raw) if raw else None
        except ValueError:
            self.body = None

    def __repr__(self):
        return "%s %s -> %d %s" % (self.method, self.url, self.status, self.raw[:600].decode(errors="replace"))


def request(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return Response(method, url, r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(method, url, e.code, e.headers, e.read())


class Session:
    """A project-scoped token for one user, and requests made with it."""

    def __init__(self, auth_url, user, password, project, domain="Default"):
        self.auth_url = auth_url.rstrip("/")
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {
                "user": {"name": user, "password": password, "domain": {"name": domain}}}},
            "scope": {"project": {"name": project, "domain": {"name": domain}}}}}
        r = request("POST", self.auth_url + "/auth/tokens", body)
        if r.status != 201:
            raise RuntimeError("login of %s failed: %r" % (user, r))
        self.login_response = r
        self.token = r.headers["X-Subject-Token"]
        self.project_id = r.body["token"]["project"]["id"]
        self.user_id = r.body["token"]["user"]["id"]
        self.catalog = r.body["token"].get("catalog", [])

    def endpoint(self, service_type, interface="public"):
        for svc in self.catalog:
            if svc["type"] == service_type:
                for ep in svc["endpoints"]:
                    if ep["interface"] == interface:
                        return ep["url"].rstrip("/")
        raise KeyError("no %s endpoint for %s in the catalog" % (interface, service_type))

    def call(self, method, url, body=None, headers=None):
        h = {"X-Auth-Token": self.token}
        h.update(headers or {})
        return request(method, url, body, h)


def openrc(path):
    """The OS_* variables of an openrc file written by cloud.sh."""
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].split("=", 1)
                env[k] = v
    return env


def login(state_dir, who):
    env = openrc(os.path.join(state_dir, "openrc-" + who))
    return Session(env["OS_AUTH_URL"], env["OS_USERNAME"], env["OS_PASSWORD"], env["OS_PROJECT_NAME"])


def wait_for(what, predicate, timeout, interval=1.0):
    """Polls predicate() until it returns a true value, which is returned; raises on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError("%s: not reached after %ss (last: %r)" % (what, timeout, last))
