#!/usr/bin/python3
"""Validates deploy/kubernetes offline, without an API server: every file parses (python3-yaml),
each object decodes into kubectl's typed Kubernetes objects (`kubectl set ... --local`, the only
kubectl operations that need no server; an unknown field is caught by comparing the round trip),
the fields and cross-references staffeln relies on are there, and staffeln.conf loads in
`staffeln config show`. Then it breaks copies of the manifests in known ways and requires each
broken copy to be refused, so that the checks are shown to bite.
Usage: check_manifests.py MANIFEST_DIR STAFFELN_BINARY"""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

NAMESPACE = "openstack"
UID = 42424
API_PORT = 8808
LEASE_VERBS = {"get", "create", "update", "patch", "delete"}
# kind -> apiVersion: the only ones these manifests may use, all GA since Kubernetes 1.9 to 1.21.
API_VERSIONS = {
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "Deployment": "apps/v1",
    "Job": "batch/v1",
}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
STAFFELN_CONF = "/etc/staffeln/staffeln.conf"


def load(directory):
    """(file name, document) for every document of every *.yaml file; errors for unparsable files."""
    docs, errors = [], []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".yaml"):
            continue
        try:
            with open(os.path.join(directory, name)) as f:
                for doc in yaml.safe_load_all(f):
                    if doc is not None:
                        docs.append((name, doc))
        except yaml.YAMLError as e:
            errors.append(f"{name}: not YAML: {e}".replace("\n", " "))
    if not docs and not errors:
        errors.append(f"{directory}: no *.yaml manifests")
    return docs, errors


def where(name, doc):
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    return f"{name}: {doc.get('kind', '?')} {meta.get('name', '?')}"


def dig(obj, *path):
    for key in path:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


def missing_from(want, got, path=""):
    """The first path where `want` is not contained in `got` (typed round trips add defaults)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return path or "."
        for key, value in want.items():
            if key not in got:
                return f"{path}.{key}"
            found = missing_from(value, got[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) < len(want):
            return path
        for i, value in enumerate(want):
            found = missing_from(value, got[i], f"{path}[{i}]")
            if found:
                return found
        return None
    return None if want == got else f"{path} ({want!r} became {got!r})"


def kubectl_operation(doc):
    """A `kubectl ... --local` operation that decodes this kind into its typed object."""
    kind = doc.get("kind")
    if kind in ("Deployment", "Job"):
        return ["set", "env", "STAFFELN_MANIFEST_CHECK=1"], True
    if kind == "Service":
        selector = dig(doc, "spec", "selector") or {"application": "staffeln"}
        return ["set", "selector", ",".join(f"{k}={v}" for k, v in selector.items())], True
    if kind == "RoleBinding":
        return ["set", "subject", f"--serviceaccount={NAMESPACE}:staffeln-manifest-check"], True
    # Other kinds decode, then the operation declines them: only a decode error counts.
    return ["set", "selector", "staffeln-manifest-check=1"], False


# kubectl's verdict on each distinct object: a broken copy re-runs kubectl on what changed only.
_kubectl_verdicts = {}


def check_with_kubectl(kubectl, name, doc, scratch):
    key = json.dumps(doc, sort_keys=True, default=str)
    if key not in _kubectl_verdicts:
        _kubectl_verdicts[key] = [e.replace("{where}", where(name, doc)) for e in kubectl_verdict(kubectl, doc, scratch)]
    return _kubectl_verdicts[key]


def kubectl_verdict(kubectl, doc, scratch):
    """Errors for one object, "{where}" standing for where it is."""
    errors = []
    path = os.path.join(scratch, "object.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(doc, f)
    operation, gives_object = kubectl_operation(doc)
    env = dict(os.environ, KUBECONFIG=os.path.join(scratch, "no-kubeconfig"))
    run = subprocess.run([kubectl, *operation, "--local", "-f", path, "-o", "json"], capture_output=True, encoding="utf-8",
                         errors="replace", env=env, timeout=60)
    stderr = " ".join(line for line in run.stderr.splitlines() if "Config not found" not in line).strip()
    stderr = stderr.replace(path, "the object")
    if run.returncode != 0:
        declined = not gives_object and ("only supported for Services" in stderr)
        if not declined:
            errors.append(f"{{where}}: kubectl {' '.join(operation[:2])} --local: {stderr[:400]}")
        return errors
    if gives_object:
        try:
            typed = json.loads(run.stdout)
        except json.JSONDecodeError as e:
            return [f"{{where}}: kubectl printed no JSON object: {e}"]
        lost = missing_from(doc, typed)
        if lost:
            errors.append(f"{{where}}: {lost} is not a field of {doc.get('apiVersion')} {doc.get('kind')} "
                          "(kubectl's typed object dropped it)")
    return errors


def pod_spec(doc):
    return dig(doc, "spec", "template", "spec") or {}


def containers(doc):
    spec = pod_spec(doc)
    return [("init container", c) for c in spec.get("initContainers") or []] + \
           [("container", c) for c in spec.get("containers") or []]


def runs(container, *words):
    command = [str(w) for w in (container.get("command") or []) + (container.get("args") or [])]
    return all(w in command for w in words)


class Checker:
    def __init__(self, docs):
        self.docs = docs
        self.errors = []
        self.by_kind = {}
        for name, doc in docs:
            self.by_kind.setdefault(doc.get("kind"), {})[dig(doc, "metadata", "name")] = (name, doc)

    def fail(self, name, doc, message):
        self.errors.append(f"{where(name, doc)}: {message}")

    def names(self, kind):
        return set(self.by_kind.get(kind, {}))

    def run(self):
        seen = set()
        for name, doc in self.docs:
            if not isinstance(doc, dict):
                self.errors.append(f"{name}: a document is not a mapping")
                continue
            key = (doc.get("kind"), dig(doc, "metadata", "name"))
            if key in seen:
                self.fail(name, doc, "defined twice")
            seen.add(key)
            self.common(name, doc)
            check = getattr(self, f"check_{str(doc.get('kind')).lower()}", None)
            if check:
                check(name, doc)
        for kind in ("Namespace", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Deployment",
                     "Service", "Job"):
            if kind not in self.by_kind:
                self.errors.append(f"no {kind} in the manifests")
        for deployment in ("staffeln-conductor", "staffeln-api"):
            if deployment not in self.names("Deployment"):
                self.errors.append(f"no Deployment {deployment}")
        return self.errors

    def common(self, name, doc):
        kind = doc.get("kind")
        if kind not in API_VERSIONS:
            self.fail(name, doc, f"kind {kind!r} is not one these manifests use ({', '.join(API_VERSIONS)})")
        elif doc.get("apiVersion") != API_VERSIONS[kind]:
            self.fail(name, doc, f"apiVersion {doc.get('apiVersion')!r}, expected {API_VERSIONS[kind]!r}")
        meta = doc.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name"):
            self.fail(name, doc, "metadata.name missing")
            return
        if not DNS_LABEL.match(str(meta["name"])):
            self.fail(name, doc, f"metadata.name {meta['name']!r} is not a DNS label")
        if kind == "Namespace":
            if meta["name"] != NAMESPACE:
                self.fail(name, doc, f"namespace should be {NAMESPACE!r}")
        elif meta.get("namespace") != NAMESPACE:
            self.fail(name, doc, f"metadata.namespace {meta.get('namespace')!r}, expected {NAMESPACE!r}")

    def check_role(self, name, doc):
        for rule in doc.get("rules") or []:
            if "coordination.k8s.io" in (rule.get("apiGroups") or []) and "leases" in (rule.get("resources") or []):
                lacking = LEASE_VERBS - set(rule.get("verbs") or [])
                if lacking:
                    self.fail(name, doc, f"leases rule lacks the verbs {', '.join(sorted(lacking))}")
                return
        self.fail(name, doc, "no rule for coordination.k8s.io leases")

    def check_rolebinding(self, name, doc):
        ref = doc.get("roleRef") or {}
        if ref.get("kind") != "Role" or ref.get("name") not in self.names("Role") or \
                ref.get("apiGroup") != "rbac.authorization.k8s.io":
            self.fail(name, doc, f"roleRef {ref} names no Role of these manifests")
        subjects = doc.get("subjects") or []
        if not subjects:
            self.fail(name, doc, "no subjects")
        for s in subjects:
            if s.get("kind") != "ServiceAccount" or s.get("name") not in self.names("ServiceAccount") or \
                    s.get("namespace") != NAMESPACE:
                self.fail(name, doc, f"subject {s} is not a ServiceAccount of these manifests in {NAMESPACE}")

    def check_configmap(self, name, doc):
        conf = dig(doc, "data", "staffeln.conf")
        if conf is None:
            return
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(conf)
        except configparser.Error as e:
            self.fail(name, doc, f"staffeln.conf is not INI: {e}")
            return
        if parser.get("coordination", "backend_url", fallback=None) != "":
            self.fail(name, doc, "[coordination] backend_url must be set and empty (Kubernetes Leases in a pod)")
        if not parser.get("database", "connection", fallback="").startswith("sqlite:////var/lib/staffeln/"):
            self.fail(name, doc, "[database] connection must be a store under /var/lib/staffeln (the emptyDir)")
        if parser.get("api", "port", fallback=str(API_PORT)) != str(API_PORT):
            self.fail(name, doc, f"[api] port must be {API_PORT} (the Service's and Cinder's policy's)")

    def check_service(self, name, doc):
        spec = doc.get("spec") or {}
        api = self.by_kind.get("Deployment", {}).get("staffeln-api")
        labels = dig(api[1], "spec", "template", "metadata", "labels") if api else None
        selector = spec.get("selector")
        if not selector or not labels or any(labels.get(k) != v for k, v in selector.items()):
            self.fail(name, doc, f"selector {selector} does not select the staffeln-api pods ({labels})")
        ports = spec.get("ports") or []
        if not any(p.get("port") == API_PORT and p.get("targetPort") in (API_PORT, "s-api") for p in ports):
            self.fail(name, doc, f"no port {API_PORT} to the pods' {API_PORT}")

    def check_workload(self, name, doc):
        spec = pod_spec(doc)
        if not spec:
            self.fail(name, doc, "spec.template.spec missing")
            return
        labels = dig(doc, "spec", "template", "metadata", "labels") or {}
        if doc.get("kind") == "Deployment":
            match = dig(doc, "spec", "selector", "matchLabels")
            if not match:
                self.fail(name, doc, "spec.selector.matchLabels missing")
            elif any(labels.get(k) != v for k, v in match.items()):
                self.fail(name, doc, f"spec.selector {match} does not match the pod labels {labels}")
        sa = spec.get("serviceAccountName")
        if sa not in self.names("ServiceAccount"):
            self.fail(name, doc, f"serviceAccountName {sa!r} is not a ServiceAccount of these manifests")
        security = spec.get("securityContext") or {}
        if security.get("runAsUser") != UID or security.get("runAsNonRoot") is not True:
            self.fail(name, doc, f"pod securityContext must run as uid {UID} with runAsNonRoot: true")
        volumes = {v.get("name"): v for v in spec.get("volumes") or []}
        for volume in volumes.values():
            if "configMap" in volume and dig(volume, "configMap", "name") not in self.names("ConfigMap"):
                self.fail(name, doc, f"volume {volume['name']} names no ConfigMap of these manifests")
            if "secret" in volume and dig(volume, "secret", "secretName") not in self.names("Secret"):
                self.fail(name, doc, f"volume {volume['name']} names no Secret of these manifests")
        for what, c in containers(doc):
            cname = c.get("name")
            if not c.get("image") or not c.get("command"):
                self.fail(name, doc, f"{what} {cname}: image and command required")
            if c.get("command") and c["command"][:3] != ["staffeln", "--config-file", STAFFELN_CONF]:
                self.fail(name, doc, f"{what} {cname}: command must start staffeln --config-file {STAFFELN_CONF}")
            sc = c.get("securityContext") or {}
            if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False:
                self.fail(name, doc, f"{what} {cname}: needs readOnlyRootFilesystem: true and "
                                     "allowPrivilegeEscalation: false")
            mounts = {m.get("mountPath"): m.get("name") for m in c.get("volumeMounts") or []}
            for path, vname in mounts.items():
                if vname not in volumes:
                    self.fail(name, doc, f"{what} {cname}: volumeMount {path} names no volume ({vname!r})")
            for path in ("/var/lib/staffeln", "/tmp"):
                if "emptyDir" not in (volumes.get(mounts.get(path)) or {}):
                    self.fail(name, doc, f"{what} {cname}: {path} must be an emptyDir (the root is read-only)")
            if dig(volumes.get(mounts.get("/etc/staffeln")) or {}, "configMap", "name") is None:
                self.fail(name, doc, f"{what} {cname}: /etc/staffeln must be the staffeln.conf ConfigMap")
            for source in c.get("envFrom") or []:
                ref = dig(source, "secretRef", "name")
                if ref is not None and ref not in self.names("Secret"):
                    self.fail(name, doc, f"{what} {cname}: envFrom names no Secret of these manifests ({ref!r})")

    def check_job(self, name, doc):
        self.check_workload(name, doc)
        if dig(doc, "metadata", "name") == "staffeln-import-upstream":
            self.check_import_job(name, doc)
        elif not any(runs(c, "db-manage", "upgrade") for _, c in containers(doc)):
            self.fail(name, doc, "does not run db-manage upgrade")
        if pod_spec(doc).get("restartPolicy") not in ("OnFailure", "Never"):
            self.fail(name, doc, "restartPolicy must be OnFailure or Never")

    def check_import_job(self, name, doc):
        """The upstream import: the connection from a Secret of these manifests, the Lease account."""
        main = (pod_spec(doc).get("containers") or [{}])[0]
        if not runs(main, "db-manage", "import-upstream", "--connection", "$(UPSTREAM_CONNECTION)"):
            self.fail(name, doc, "does not run db-manage import-upstream --connection $(UPSTREAM_CONNECTION)")
        env = {e.get("name"): e for e in main.get("env") or []}
        ref = dig(env.get("UPSTREAM_CONNECTION") or {}, "valueFrom", "secretKeyRef") or {}
        if ref.get("name") not in self.names("Secret") or not ref.get("key"):
            self.fail(name, doc, "UPSTREAM_CONNECTION must come from a Secret of these manifests")
        else:
            _, secret = self.by_kind["Secret"][ref["name"]]
            if ref["key"] not in (secret.get("stringData") or {}) and ref["key"] not in (secret.get("data") or {}):
                self.fail(name, doc, f"Secret {ref['name']} has no key {ref['key']!r}")
        if pod_spec(doc).get("serviceAccountName") != "staffeln-conductor":
            self.fail(name, doc, "must run as staffeln-conductor, whose Role takes the staffeln-puller Lease")

    def check_deployment(self, name, doc):
        self.check_workload(name, doc)
        if dig(doc, "spec", "replicas") != 3:
            self.fail(name, doc, "replicas must be 3, as Atmosphere runs them")
        main = (pod_spec(doc).get("containers") or [{}])[0]
        deployment = dig(doc, "metadata", "name")
        if deployment == "staffeln-conductor":
            if not runs(main, "conductor"):
                self.fail(name, doc, "the container does not run the conductor")
            if not any(runs(c, "db-manage", "upgrade") for c in pod_spec(doc).get("initContainers") or []):
                self.fail(name, doc, "no init container running db-manage upgrade")
            probe = dig(main, "livenessProbe", "exec", "command") or []
            if "db-manage" not in probe or "version" not in probe:
                self.fail(name, doc, "livenessProbe must exec staffeln db-manage version")
            bound = [b for _, b in self.by_kind.get("RoleBinding", {}).values()
                     if any(s.get("name") == pod_spec(doc).get("serviceAccountName") for s in b.get("subjects") or [])]
            if not bound:
                self.fail(name, doc, "its service account is bound to no Role (Leases)")
        if deployment == "staffeln-api":
            if not runs(main, "api"):
                self.fail(name, doc, "the container does not run the API")
            probe = dig(main, "readinessProbe", "httpGet") or {}
            if probe.get("path") != "/v1/health" or probe.get("port") not in (API_PORT, "s-api"):
                self.fail(name, doc, f"readinessProbe must GET /v1/health on {API_PORT}")
            if not any(p.get("containerPort") == API_PORT for p in main.get("ports") or []):
                self.fail(name, doc, f"containerPort {API_PORT} missing")


def check_staffeln_conf(staffeln, docs, scratch):
    errors = []
    for name, doc in docs:
        conf = dig(doc, "data", "staffeln.conf") if doc.get("kind") == "ConfigMap" else None
        if conf is None:
            continue
        path = os.path.join(scratch, "staffeln.conf")
        with open(path, "w") as f:
            f.write(conf)
        run = subprocess.run([staffeln, "--config-file", path, "config", "show"], capture_output=True, encoding="utf-8",
                             timeout=60)
        if run.returncode != 0 or "warning" in run.stderr.lower():
            errors.append(f"{where(name, doc)}: staffeln.conf does not load cleanly: "
                          f"{(run.stderr or run.stdout).strip()[:400]}")
    return errors


def validate(directory, kubectl, staffeln):
    docs, errors = load(directory)
    with tempfile.TemporaryDirectory() as scratch:
        for name, doc in docs:
            if isinstance(doc, dict):
                errors += check_with_kubectl(kubectl, name, doc, scratch)
        errors += Checker(docs).run()
        errors += check_staffeln_conf(staffeln, docs, scratch)
    return errors


# Broken copies: (what is broken, file, change to its list of documents, or to its text).
def doc_of(docs, kind, name=None):
    return next(d for d in docs if d.get("kind") == kind and (name is None or d["metadata"]["name"] == name))


def api_container(docs):
    return doc_of(docs, "Deployment", "staffeln-api")["spec"]["template"]["spec"]["containers"][0]


def conductor_container(docs):
    return doc_of(docs, "Deployment", "staffeln-conductor")["spec"]["template"]["spec"]["containers"][0]


def set_conf(docs, old, new):
    cm = doc_of(docs, "ConfigMap")
    cm["data"]["staffeln.conf"] = cm["data"]["staffeln.conf"].replace(old, new)


BREAKAGES = [
    ("a Deployment's apiVersion apps/v1beta9", "60-conductor.yaml",
     lambda d: doc_of(d, "Deployment").update(apiVersion="apps/v1beta9")),
    ("a Deployment's apiVersion extensions/v1beta1", "70-api.yaml",
     lambda d: doc_of(d, "Deployment").update(apiVersion="extensions/v1beta1")),
    ("the API Deployment without its selector", "70-api.yaml", lambda d: doc_of(d, "Deployment")["spec"].pop("selector")),
    ("the Service's port as a string", "70-api.yaml",
     lambda d: doc_of(d, "Service")["spec"]["ports"][0].update(port="8808")),
    ("the containerPort as a string", "70-api.yaml", lambda d: api_container(d)["ports"][0].update(containerPort="x")),
    ("a misspelt field (replica)", "60-conductor.yaml",
     lambda d: doc_of(d, "Deployment")["spec"].update(replica=doc_of(d, "Deployment")["spec"].pop("replicas"))),
    ("a misspelt container field (livenesProbe)", "60-conductor.yaml",
     lambda d: conductor_container(d).update(livenesProbe=conductor_container(d).pop("livenessProbe"))),
    ("the Role's resources as a string", "20-rbac.yaml",
     lambda d: doc_of(d, "Role")["rules"][0].update(resources="leases")),
    ("the Role without the update verb", "20-rbac.yaml", lambda d: doc_of(d, "Role")["rules"][0]["verbs"].remove("update")),
    ("the RoleBinding to a Role that does not exist", "20-rbac.yaml",
     lambda d: doc_of(d, "RoleBinding")["roleRef"].update(name="staffeln")),
    ("the readiness probe on /health", "70-api.yaml",
     lambda d: api_container(d)["readinessProbe"]["httpGet"].update(path="/health")),
    ("the Service selecting the conductors", "70-api.yaml",
     lambda d: doc_of(d, "Service")["spec"]["selector"].update(component="conductor")),
    ("a writable root filesystem", "60-conductor.yaml",
     lambda d: conductor_container(d)["securityContext"].update(readOnlyRootFilesystem=False)),
    ("running as root", "50-job-db-sync.yaml",
     lambda d: doc_of(d, "Job")["spec"]["template"]["spec"]["securityContext"].update(runAsUser=0)),
    ("a mount of a volume that does not exist", "70-api.yaml",
     lambda d: api_container(d)["volumeMounts"][0].update(name="staffeln-conf")),
    ("envFrom a Secret that does not exist", "60-conductor.yaml",
     lambda d: conductor_container(d)["envFrom"][0]["secretRef"].update(name="staffeln-keystone")),
    ("an object outside the openstack namespace", "10-serviceaccounts.yaml",
     lambda d: d[0]["metadata"].update(namespace="default")),
    ("two replicas of the conductor", "60-conductor.yaml", lambda d: doc_of(d, "Deployment")["spec"].update(replicas=2)),
    ("ConfigMap data that is not a string", "30-configmap.yaml",
     lambda d: doc_of(d, "ConfigMap")["data"].update(extra=1)),
    ("staffeln.conf with a bad value", "30-configmap.yaml",
     lambda d: set_conf(d, "backup_service_period = 3600", "backup_service_period = hourly")),
    ("staffeln.conf with a coordination URL", "30-configmap.yaml",
     lambda d: set_conf(d, "backend_url =\n", "backend_url = file:///var/lib/staffeln/locks\n")),
    ("the import Job's connection from a Secret that does not exist", "55-job-import-upstream.yaml",
     lambda d: doc_of(d, "Job")["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]
     .update(name="staffeln-db")),
    ("the import Job with an account that cannot take Leases", "55-job-import-upstream.yaml",
     lambda d: doc_of(d, "Job")["spec"]["template"]["spec"].update(serviceAccountName="staffeln-db-sync")),
    ("YAML indented with a tab", "40-secrets.yaml", "\tbroken: yes\n"),
]


def check_breakages(directory, kubectl, staffeln):
    """Each broken copy must be refused; returns the ones that were not."""
    missed = []
    for what, file, change in BREAKAGES:
        with tempfile.TemporaryDirectory() as broken:
            for name in os.listdir(directory):
                if name.endswith(".yaml"):
                    shutil.copy(os.path.join(directory, name), broken)
            target = os.path.join(broken, file)
            if isinstance(change, str):
                with open(target, "a") as f:
                    f.write(change)
            else:
                with open(target) as f:
                    docs = [d for d in yaml.safe_load_all(f) if d is not None]
                change(docs)
                with open(target, "w") as f:
                    yaml.safe_dump_all(docs, f)
            errors = validate(broken, kubectl, staffeln)
        status = "refused" if errors else "MISSED"
        print(f"{status:8} {what} ({file}){': ' + errors[0] if errors else ''}")
        if not errors:
            missed.append(what)
    return missed


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    directory, staffeln = sys.argv[1], sys.argv[2]
    kubectl = shutil.which("kubectl")
    if not kubectl:
        print("kubectl is not on PATH: scripts/install-deps --tests installs Debian's kubernetes-client",
              file=sys.stderr)
        return 1
    version = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True).stdout.splitlines()
    print(f"kubectl: {kubectl}: {version[0] if version else '?'}")
    errors = validate(directory, kubectl, staffeln)
    for e in errors:
        print(f"FAIL {e}")
    if errors:
        return 1
    print(f"ok   {directory}: every manifest valid")
    missed = check_breakages(directory, kubectl, staffeln)
    print(f"{len(BREAKAGES) - len(missed)} of {len(BREAKAGES)} broken copies refused")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
