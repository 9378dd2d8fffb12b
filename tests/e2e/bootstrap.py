#!/usr/bin/python3
"""Bootstraps the e2e cloud that cloud.sh started (idempotent: finds before it creates).
  bootstrap.py identities STATE_DIR  projects, users, roles and the catalog (Keystone must be up)
  bootstrap.py ready STATE_DIR       waits until Cinder's scheduler, volume (with its pool) and backup
                                     services are up and nova-compute is mapped and up; adds a flavor
Identities: admin (admin in admin and demo); project demo with user demo (member+reader, e-mail
demo@example.org); project alt with user alt (member+reader, alt@example.org), a second tenant;
project service with users nova, cinder, placement (admin+service)."""
import os
import subprocess
import sys

import osclient

REGION = "RegionOne"
KEYSTONE = "http://127.0.0.1:5000/v3"
CATALOG = [  # type, name, URL
    ("compute", "nova", "http://127.0.0.1:8774/v2.1"),
    ("volumev3", "cinderv3", "http://127.0.0.1:8776/v3/%(project_id)s"),
    ("block-storage", "block-storage", "http://127.0.0.1:8776/v3/%(project_id)s"),
    ("placement", "placement", "http://127.0.0.1:8778"),
    ("network", "neutron", "http://127.0.0.1:9696"),
]
FLAVOR = {"name": "e2e.tiny", "ram": 256, "vcpus": 1, "disk": 0}


def secrets(state_dir):
    with open(os.path.join(state_dir, "secrets")) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def check(r, *ok):
    if r.status not in ok:
        raise RuntimeError("unexpected answer: %r" % r)
    return r.body


class Keystone:
    def __init__(self, session):
        self.s = session

    def find_or_create(self, collection, key, match, body):
        query = "&".join("%s=%s" % kv for kv in match.items())
        found = check(self.s.call("GET", "%s/%s?%s" % (KEYSTONE, collection, query)), 200)[collection]
        if found:
            return found[0]["id"]
        return check(self.s.call("POST", "%s/%s" % (KEYSTONE, collection), {key: body}), 201)[key]["id"]

    def project(self, name, description):
        return self.find_or_create("projects", "project", {"name": name},
                                   {"name": name, "domain_id": "default", "description": description})

    def role(self, name):
        return self.find_or_create("roles", "role", {"name": name}, {"name": name})

    def user(self, name, password, project_id, email=None):
        body = {"name": name, "password": password, "domain_id": "default", "default_project_id": project_id}
        if email:
            body["email"] = email
        return self.find_or_create("users", "user", {"name": name, "domain_id": "default"}, body)

    def grant(self, project_id, user_id, role_id):
        check(self.s.call("PUT", "%s/projects/%s/users/%s/roles/%s" % (KEYSTONE, project_id, user_id, role_id)), 204)

    def endpoints(self, service_type, name, url):
        sid = self.find_or_create("services", "service", {"type": service_type},
                                  {"type": service_type, "name": name, "enabled": True})
        for interface in ("public", "internal", "admin"):
            self.find_or_create("endpoints", "endpoint", {"service_id": sid, "interface": interface},
                                {"service_id": sid, "interface": interface, "url": url, "region_id": REGION})


def identities(state_dir):
    pw = secrets(state_dir)
    admin = osclient.Session(KEYSTONE, "admin", pw["admin"], "admin")
    ks = Keystone(admin)
    roles = {name: ks.role(name) for name in ("admin", "member", "reader", "service")}
    service = ks.project("service", "OpenStack services")
    for name in ("nova", "cinder", "placement"):
        uid = ks.user(name, pw["service"], service)
        ks.grant(service, uid, roles["admin"])
        ks.grant(service, uid, roles["service"])
    for tenant in ("demo", "alt"):
        pid = ks.project(tenant, "%s tenant" % tenant)
        uid = ks.user(tenant, pw[tenant], pid, email="%s@example.org" % tenant)
        ks.grant(pid, uid, roles["member"])
        ks.grant(pid, uid, roles["reader"])
        ks.grant(pid, admin.user_id, roles["admin"])
    for entry in CATALOG:
        ks.endpoints(*entry)
    print("identities and catalog ready")


def services_up(s, url, binaries):
    body = check(s.call("GET", url), 200)
    up = {svc["binary"] for svc in body["services"] if svc["state"] == "up" and svc["status"] == "enabled"}
    return binaries <= up


def ready(state_dir):
    pw = secrets(state_dir)
    admin = osclient.Session(KEYSTONE, "admin", pw["admin"], "admin")
    cinder = "http://127.0.0.1:8776/v3/%s" % admin.project_id
    nova = "http://127.0.0.1:8774/v2.1"
    osclient.wait_for("cinder scheduler, volume and backup up", lambda: services_up(
        admin, cinder + "/os-services", {"cinder-scheduler", "cinder-volume", "cinder-backup"}), 120)
    osclient.wait_for("the NFS pool reported to cinder-scheduler", lambda: check(
        admin.call("GET", cinder + "/scheduler-stats/get_pools"), 200)["pools"], 120)
    osclient.wait_for("nova-compute up", lambda: services_up(
        admin, nova + "/os-services", {"nova-compute", "nova-conductor", "nova-scheduler"}), 120)
    conf = os.path.join(state_dir, "etc/nova/nova.conf")

    def mapped():
        subprocess.run(["/usr/bin/python3", "-c", "import sys; from nova.cmd.manage import main; sys.exit(main())",
                        "--config-file", conf, "cell_v2", "discover_hosts"], check=True, stdout=sys.stdout)
        hv = check(admin.call("GET", nova + "/os-hypervisors/detail"), 200)["hypervisors"]
        return [h for h in hv if h["state"] == "up" and h["status"] == "enabled"]
    osclient.wait_for("compute host mapped and up", mapped, 120, interval=2)
    flavors = check(admin.call("GET", nova + "/flavors"), 200)["flavors"]
    if not any(f["name"] == FLAVOR["name"] for f in flavors):
        check(admin.call("POST", nova + "/flavors", {"flavor": FLAVOR}), 200)
    print("cloud ready")


if __name__ == "__main__":
    {"identities": identities, "ready": ready}[sys.argv[1]](sys.argv[2])
