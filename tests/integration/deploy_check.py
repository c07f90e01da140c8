#!/usr/bin/env python3
"""
deploy_check.py - check the fleet recipes of deploy/ and docs/fleet.md (t0870, issue 15).

    deploy_check.py SESAME_BIN DEPLOY_DIR DOCS_FILE README

No cluster and no CI service: every file is parsed (PyYAML; systemd units as key=value
sections) and its structure checked:

  - Kubernetes (deploy/kubernetes/*.yaml): apiVersion and kind on every document, the
    apiVersion each kind has in batch/v1 and v1; every field name of the objects used
    known to Kubernetes (a typo is not silently ignored by this test, as a client without
    strict validation would); the Indexed Job (completionMode Indexed, parallelism >= 2,
    a container running `sesame audit ... --worker ... --until-empty` with a
    --worker-id from the pod, the --db URL from a Secret through secretKeyRef, every
    password from a Secret), non-root, read-only root file system, resources; the
    CronJob (schedule, concurrencyPolicy Forbid, the same Job spec as audit-job.yaml);
    the Secret example (placeholders only); the kustomization's resources; a variant's
    patch (mirror-volume/) names the base's CronJob, its volumes and a claim beside it.
  - CI (deploy/ci): GitHub Actions: an enqueue job, a matrix of >= 2 workers that need
    it; GitLab CI: an enqueue job and a `parallel: N >= 2` worker job that needs it.
  - systemd (deploy/systemd): a worker unit, an enqueue unit and its timer.
  - every sesame command line anywhere in deploy/ and docs/fleet.md (Kubernetes argv,
    CI scripts, ExecStart=, fenced code, comments and prose in backticks) names a
    command that exists and only options that `sesame help CMD` lists (the queue's
    --enqueue, --worker, ... and `sesame queue status` included).
  - no PostgreSQL URL with a password anywhere; docs/fleet.md's GRANTs are those of
    deploy/sql/roles.sql; README links docs/fleet.md.

Prints "error: FILE: what" for each problem and exits 1 if there is any.
"""

import os
import re
import shlex
import subprocess
import sys

import yaml

errors = []
checked = {}   # file -> sesame command lines checked in it


def error(where, what):
    errors.append("error: %s: %s" % (where, what))


# ---- what sesame accepts ---------------------------------------------------------------

class Help:
    def __init__(self, binary):
        self.binary = binary
        self.cache = {}
        top = self.run(None)[1]   # `sesame help`: the list of commands
        self.commands = set(re.findall(r"^  ([a-z][a-z-]*)  +\S", top, re.M))

    def run(self, cmd):
        # HELP_CACHE (a directory): the outputs kept between runs of this script (t0870
        # runs it often; a sanitizer build starts slowly)
        cache = os.environ.get("HELP_CACHE")
        f = cache and os.path.join(cache, "help-" + (cmd or "-top"))
        if f and os.path.exists(f):
            with open(f) as fh:
                rc, out = fh.read().split("\n", 1)
            return int(rc), out
        p = subprocess.run([self.binary, "help"] + ([cmd] if cmd else []), capture_output=True,
                           text=True)
        if f:
            with open(f, "w") as fh:
                fh.write("%d\n%s" % (p.returncode, p.stdout))
        return p.returncode, p.stdout

    def options(self, cmd):
        """The options `sesame help CMD` lists (None: no such command)."""
        if cmd not in self.cache:
            rc, out = self.run(cmd)
            opts = None
            if rc == 0:
                opts = set()
                for m in re.finditer(r"^\s+(?:(-\w), )?(--[a-z0-9][a-z0-9-]*)", out, re.M):
                    opts.update(o for o in m.groups() if o)
            self.cache[cmd] = opts
        return self.cache[cmd]


def check_command(help_, where, argv):
    """argv starts after `sesame`: COMMAND [SUBCOMMAND] options..."""
    if not argv:
        return
    f = where.split(":")[0]
    checked[f] = checked.get(f, 0) + 1
    cmd = argv[0]
    opts = help_.options(cmd)
    if opts is None:
        error(where, "'sesame %s': no such command (sesame help %s fails)" % (cmd, cmd))
        return
    for tok in argv[1:]:
        if tok == "--" or not tok.startswith("-") or re.match(r"^-\d", tok):
            continue
        name = tok.split("=", 1)[0]
        if name not in opts:
            error(where, "'sesame %s' has no option %s (sesame help %s)" % (cmd, name, cmd))


SESAME_IN_TEXT = re.compile(
    r"(?:^|(?<=[\s`'\"(;|&=]))(?:/usr/bin/)?sesame\s+([a-z][a-z-]*)(.*)$")


def commands_in_text(text):
    """argv lists of the sesame command lines in shell, comments or prose: `sesame WORD`
    where WORD is one of sesame's commands (other words are prose: "sesame does ...")."""
    out = []
    text = re.sub(r"\\\n\s*", " ", text)     # shell line continuations
    for line in text.splitlines():
        line = re.sub(r"^\s*(#|--|//)\s?", "", line)
        for m in SESAME_IN_TEXT.finditer(line):
            rest = m.group(1) + m.group(2)
            rest = re.split(r"`|\s(?:&&|\|\||\||;|>|2>|<)\s?|\)$|\s#\s", rest)[0]
            try:
                argv = shlex.split(rest)
            except ValueError:
                argv = rest.split()
            if argv and argv[0] in HELP.commands:
                out.append(argv)
    return out


def check_text_commands(help_, where, text):
    n = 0
    for argv in commands_in_text(text):
        check_command(help_, where, argv)
        n += 1
    return n


# ---- Kubernetes ------------------------------------------------------------------------

# The fields of the objects these recipes use (Kubernetes 1.31 API, batch/v1 and v1), so
# that a misspelt field is an error here. A type is a dict of field -> type name (None:
# a value not checked further); a list type is written "[Type]".
K8S = {
    "ObjectMeta": {"name": None, "namespace": None, "labels": None, "annotations": None,
                   "generateName": None},
    "Namespace": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": None},
    "Secret": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "type": None,
               "data": None, "stringData": None, "immutable": None},
    "ConfigMap": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "data": None,
                  "binaryData": None, "immutable": None},
    "Job": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta", "spec": "JobSpec"},
    "CronJob": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta",
                "spec": "CronJobSpec"},
    "CronJobSpec": {"schedule": None, "timeZone": None, "concurrencyPolicy": None,
                    "startingDeadlineSeconds": None, "suspend": None,
                    "successfulJobsHistoryLimit": None, "failedJobsHistoryLimit": None,
                    "jobTemplate": "JobTemplateSpec"},
    "JobTemplateSpec": {"metadata": "ObjectMeta", "spec": "JobSpec"},
    "JobSpec": {"completionMode": None, "completions": None, "parallelism": None,
                "backoffLimit": None, "backoffLimitPerIndex": None, "maxFailedIndexes": None,
                "activeDeadlineSeconds": None, "ttlSecondsAfterFinished": None,
                "podFailurePolicy": "PodFailurePolicy", "successPolicy": None,
                "suspend": None, "selector": None, "manualSelector": None,
                "podReplacementPolicy": None, "managedBy": None,
                "template": "PodTemplateSpec"},
    "PodFailurePolicy": {"rules": "[PodFailurePolicyRule]"},
    "PodFailurePolicyRule": {"action": None, "onExitCodes": "OnExitCodes",
                             "onPodConditions": "[OnPodConditions]"},
    "OnExitCodes": {"containerName": None, "operator": None, "values": None},
    "OnPodConditions": {"type": None, "status": None},
    "PodTemplateSpec": {"metadata": "ObjectMeta", "spec": "PodSpec"},
    "PodSpec": {"restartPolicy": None, "automountServiceAccountToken": None,
                "serviceAccountName": None, "enableServiceLinks": None,
                "terminationGracePeriodSeconds": None, "activeDeadlineSeconds": None,
                "securityContext": "PodSecurityContext", "initContainers": "[Container]",
                "containers": "[Container]", "volumes": "[Volume]", "nodeSelector": None,
                "affinity": None, "tolerations": None, "priorityClassName": None,
                "imagePullSecrets": None, "topologySpreadConstraints": None},
    "PodSecurityContext": {"runAsNonRoot": None, "runAsUser": None, "runAsGroup": None,
                           "fsGroup": None, "fsGroupChangePolicy": None,
                           "seccompProfile": "SeccompProfile", "supplementalGroups": None},
    "SeccompProfile": {"type": None, "localhostProfile": None},
    "Container": {"name": None, "image": None, "imagePullPolicy": None, "command": None,
                  "args": None, "workingDir": None, "env": "[EnvVar]",
                  "envFrom": "[EnvFromSource]", "resources": "Resources",
                  "securityContext": "SecurityContext", "volumeMounts": "[VolumeMount]",
                  "ports": None, "stdin": None, "tty": None, "restartPolicy": None,
                  "terminationMessagePolicy": None},
    "EnvVar": {"name": None, "value": None, "valueFrom": "EnvVarSource"},
    "EnvVarSource": {"secretKeyRef": "KeySelector", "configMapKeyRef": "KeySelector",
                     "fieldRef": "FieldRef", "resourceFieldRef": None},
    "KeySelector": {"name": None, "key": None, "optional": None},
    "FieldRef": {"fieldPath": None, "apiVersion": None},
    "EnvFromSource": {"configMapRef": "EnvFromRef", "secretRef": "EnvFromRef",
                      "prefix": None},
    "EnvFromRef": {"name": None, "optional": None},
    "Resources": {"requests": None, "limits": None, "claims": None},
    "SecurityContext": {"allowPrivilegeEscalation": None, "readOnlyRootFilesystem": None,
                        "runAsNonRoot": None, "runAsUser": None, "runAsGroup": None,
                        "capabilities": "Capabilities", "privileged": None,
                        "seccompProfile": "SeccompProfile"},
    "Capabilities": {"add": None, "drop": None},
    "VolumeMount": {"name": None, "mountPath": None, "readOnly": None, "subPath": None},
    "Volume": {"name": None, "emptyDir": "EmptyDir", "configMap": "ConfigMapVolume",
               "secret": "SecretVolume", "persistentVolumeClaim": "PVCVolume"},
    "EmptyDir": {"medium": None, "sizeLimit": None},
    "ConfigMapVolume": {"name": None, "items": "[KeyToPath]", "defaultMode": None,
                        "optional": None},
    "SecretVolume": {"secretName": None, "items": "[KeyToPath]", "defaultMode": None,
                     "optional": None},
    "PVCVolume": {"claimName": None, "readOnly": None},
    "PersistentVolumeClaim": {"apiVersion": None, "kind": None, "metadata": "ObjectMeta",
                              "spec": "PVCSpec"},
    "PVCSpec": {"accessModes": None, "resources": "Resources", "storageClassName": None,
                "volumeMode": None, "volumeName": None, "selector": None},
    "KeyToPath": {"key": None, "path": None, "mode": None},
}
API_VERSION = {"Namespace": "v1", "Secret": "v1", "ConfigMap": "v1", "Job": "batch/v1",
               "CronJob": "batch/v1", "Kustomization": "kustomize.config.k8s.io/v1beta1",
               "PersistentVolumeClaim": "v1"}


def check_fields(where, value, typ, path):
    if typ is None or value is None:   # null: a strategic merge patch deleting a field
        return
    if typ.startswith("["):
        if not isinstance(value, list):
            error(where, "%s: a list expected" % path)
            return
        for i, v in enumerate(value):
            check_fields(where, v, typ[1:-1], "%s[%d]" % (path, i))
        return
    if not isinstance(value, dict):
        error(where, "%s: a mapping expected" % path)
        return
    for k, v in value.items():
        if k not in K8S[typ]:
            error(where, "%s: unknown field '%s' (%s)" % (path, k, typ))
        else:
            check_fields(where, v, K8S[typ][k], "%s.%s" % (path, k))


def containers(pod):
    return pod.get("initContainers", []) + pod.get("containers", [])


def argv_of(c):
    return [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]


def opt_value(argv, name):
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def check_pod(where, pod, env_configmaps):
    """What every pod of the fleet must have; returns the worker containers' argv."""
    workers = []
    sc = pod.get("securityContext", {})
    if sc.get("runAsNonRoot") is not True or not sc.get("runAsUser"):
        error(where, "the pod must run as non-root (runAsNonRoot, runAsUser)")
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        error(where, "restartPolicy must be Never or OnFailure in a Job")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in containers(pod):
        cw = "%s: container %s" % (where, c.get("name"))
        csc = c.get("securityContext", {})
        if csc.get("readOnlyRootFilesystem") is not True:
            error(cw, "readOnlyRootFilesystem must be true")
        if csc.get("allowPrivilegeEscalation") is not False:
            error(cw, "allowPrivilegeEscalation must be false")
        if "ALL" not in csc.get("capabilities", {}).get("drop", []):
            error(cw, "capabilities must drop ALL")
        res = c.get("resources", {})
        if not {"cpu", "memory"} <= set(res.get("requests", {})) or \
                "memory" not in res.get("limits", {}):
            error(cw, "resources: requests of cpu and memory and a memory limit expected")
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                error(cw, "volumeMount %s: no such volume" % m["name"])
        env = {e["name"]: e for e in c.get("env", [])}
        known = set(env)
        for ref in c.get("envFrom", []):
            known |= env_configmaps.get(ref.get("configMapRef", {}).get("name"), set())
        for name, e in env.items():
            if "PASSWORD" in name.upper() or "TOKEN" in name.upper():
                if "value" in e or "secretKeyRef" not in e.get("valueFrom", {}):
                    error(cw, "%s must come from a Secret (valueFrom.secretKeyRef), "
                              "never a literal value" % name)
        argv = argv_of(c)
        for a in argv:
            for var in re.findall(r"\$\((\w+)\)", a):
                if var not in known:
                    error(cw, "$(%s) is not defined in the container's env" % var)
        if not argv or os.path.basename(argv[0]) != "sesame":
            continue
        check_command(HELP, cw, argv[1:])
        db = opt_value(argv, "--db")
        m = re.fullmatch(r"\$\((\w+)\)", db or "")
        if not m or "secretKeyRef" not in env.get(m.group(1), {}).get("valueFrom", {}):
            error(cw, "--db must be $(VAR) with VAR from a Secret (secretKeyRef), not %r" % db)
        if "--enqueue" in argv:
            src = opt_value(argv, "--repos-from")
            mounts = [mm["mountPath"] for mm in c.get("volumeMounts", [])
                      if "configMap" in volumes.get(mm["name"], {})]
            if not src or not any(src.startswith(p.rstrip("/") + "/") for p in mounts):
                error(cw, "--enqueue --repos-from must read the list from a mounted ConfigMap")
        if "--worker" in argv:
            workers.append((cw, argv, env))
    return workers


def check_worker_job(where, spec, env_configmaps):
    if spec.get("completionMode") != "Indexed":
        error(where, "the workers' Job must have completionMode: Indexed")
    par = spec.get("parallelism", 1)
    if not isinstance(par, int) or par < 2:
        error(where, "parallelism must be at least 2 (N workers), not %r" % par)
    if spec.get("completions") != par:
        error(where, "completions must equal parallelism (each index finishes once)")
    pod = spec.get("template", {}).get("spec", {})
    if "podFailurePolicy" in spec and pod.get("restartPolicy") != "Never":
        error(where, "podFailurePolicy needs restartPolicy: Never")
    workers = check_pod(where, pod, env_configmaps)
    if not workers:
        error(where, "no container runs `sesame audit ... --worker`")
    for cw, argv, env in workers:
        if argv[1:2] != ["audit"] or "--until-empty" not in argv:
            error(cw, "the worker must run `sesame audit ... --worker ... --until-empty`")
        wid = opt_value(argv, "--worker-id") or ""
        names = re.findall(r"\$\((\w+)\)", wid)
        from_pod = [n for n in names if n == "JOB_COMPLETION_INDEX" or
                    env.get(n, {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
                    == "metadata.name"]
        if not from_pod:
            error(cw, "--worker-id must come from the pod name or JOB_COMPLETION_INDEX")
    return workers


def yaml_files(dirname):
    """Every YAML file under dirname, as paths relative to it."""
    for root, _, files in sorted(os.walk(dirname)):
        for f in sorted(files):
            if f.endswith((".yaml", ".yml")):
                yield os.path.relpath(os.path.join(root, f), dirname)


def check_kubernetes(dirname):
    docs = {}
    env_configmaps = {}
    for name in yaml_files(dirname):
        path = os.path.join(dirname, name)
        with open(path) as f:
            text = f.read()
        try:
            loaded = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as e:
            error(path, "not YAML: %s" % e)
            continue
        docs[name] = loaded
        check_text_commands(HELP, path, text)
        for d in loaded:
            kind, api = d.get("kind"), d.get("apiVersion")
            if not kind or not api:
                error(path, "a document without apiVersion or kind")
                continue
            if API_VERSION.get(kind) != api:
                error(path, "%s: apiVersion %r, expected %r" % (kind, api, API_VERSION.get(kind)))
            if kind in K8S:
                check_fields(path, d, kind, kind)
            if kind == "ConfigMap":
                env_configmaps[d["metadata"]["name"]] = set(d.get("data", {}))
    need = ["audit-job.yaml", "reaudit-cronjob.yaml", "secret.example.yaml",
            "kustomization.yaml", "enqueue-job.yaml", "config.yaml"]
    for n in need:
        if n not in docs:
            error(dirname, "%s is missing" % n)
    if errors:
        return
    by_kind = {}
    for name, ds in docs.items():
        for d in ds:
            if os.sep in name:   # a patch or an extra of a variant (mirror-volume/)
                check_variant(dirname, name, d, docs)
            else:
                by_kind.setdefault(d["kind"], []).append((name, d))

    job = [d for n, d in by_kind.get("Job", []) if n == "audit-job.yaml"][0]
    check_worker_job(os.path.join(dirname, "audit-job.yaml"), job["spec"], env_configmaps)
    for n, d in by_kind.get("Job", []):
        if n != "audit-job.yaml":
            check_pod(os.path.join(dirname, n), d["spec"]["template"]["spec"], env_configmaps)
    crons = by_kind.get("CronJob", [])
    if not crons:
        error(dirname, "no CronJob")
    for n, cj in crons:
        n = os.path.join(dirname, n)
        s = cj["spec"]
        if len(str(s.get("schedule", "")).split()) != 5:
            error(n, "the CronJob needs a schedule of five fields")
        if s.get("concurrencyPolicy") != "Forbid":
            error(n, "the CronJob must have concurrencyPolicy: Forbid")
        jspec = s.get("jobTemplate", {}).get("spec", {})
        check_worker_job(n, jspec, env_configmaps)
        if jspec != job["spec"]:
            error(n, "the CronJob's Job spec differs from audit-job.yaml's")
    for n, sec in by_kind.get("Secret", []):
        for k, v in (sec.get("stringData") or {}).items():
            if k == "password" or "auth" in k:
                if "CHANGE-ME" not in str(v):
                    error(n, "the example Secret's %s must be a CHANGE-ME placeholder" % k)
    kus = docs["kustomization.yaml"][0]
    for r in kus.get("resources", []):
        if not os.path.exists(os.path.join(dirname, r)):
            error("kustomization.yaml", "resource %s does not exist" % r)
    with open(os.path.join(dirname, "kustomization.yaml")) as f:
        for ref in re.findall(r"[\w./-]+\.yaml", f.read()):   # commented-out ones too
            if not os.path.exists(os.path.join(dirname, ref)):
                error("kustomization.yaml", "names %s, which does not exist" % ref)
    if "secret.example.yaml" in kus.get("resources", []):
        error("kustomization.yaml", "the example Secret must not be applied")


def check_variant(dirname, name, d, docs):
    """A patch must name an object of the base and only volumes its pods have; a claim
    it mounts must be defined beside it."""
    where = os.path.join(dirname, name)
    if d["kind"] not in ("CronJob", "Job"):
        return
    base = [b for ds in docs.values() for b in ds if b["kind"] == d["kind"] and
            b["metadata"]["name"] == d["metadata"]["name"]]
    if not base:
        error(where, "patches %s %s, which the base does not have" %
              (d["kind"], d["metadata"]["name"]))
        return

    def pod(o):
        spec = o["spec"]["jobTemplate"]["spec"] if o["kind"] == "CronJob" else o["spec"]
        return spec["template"]["spec"]
    have = {v["name"] for v in pod(base[0]).get("volumes", [])}
    claims = {c["metadata"]["name"] for n, ds in docs.items() for c in ds
              if c["kind"] == "PersistentVolumeClaim" and
              os.path.dirname(n) == os.path.dirname(name)}
    for v in pod(d).get("volumes", []):
        if v["name"] not in have:
            error(where, "volume %s is not a volume of the base" % v["name"])
        claim = (v.get("persistentVolumeClaim") or {}).get("claimName")
        if claim and claim not in claims:
            error(where, "claim %s is not defined beside the patch" % claim)


# ---- CI --------------------------------------------------------------------------------

def worker_lines(text):
    return [a for a in commands_in_text(text) if a[:1] == ["audit"] and "--worker" in a]


def check_github(path):
    with open(path) as f:
        text = f.read()
    wf = yaml.safe_load(text)
    check_text_commands(HELP, path, text)
    on = wf.get("on", wf.get(True, {}))
    if "schedule" not in on:
        error(path, "no schedule (the weekly re-audit)")
    jobs = wf.get("jobs", {})
    runs = {j: "\n".join(s.get("run", "") for s in b.get("steps", [])) for j, b in jobs.items()}
    enq = [j for j, r in runs.items() if any("--enqueue" in a for a in commands_in_text(r))]
    if not enq:
        error(path, "no job runs `sesame audit --enqueue`")
    workers = [j for j, r in runs.items() if worker_lines(r)]
    if not workers:
        error(path, "no job runs `sesame audit --worker`")
    for j in workers:
        b = jobs[j]
        matrix = b.get("strategy", {}).get("matrix", {})
        sizes = [len(v) for v in matrix.values() if isinstance(v, list)]
        if not sizes or max(sizes) < 2:
            error(path, "job %s: a matrix of at least 2 workers expected" % j)
        needs = b.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        if not set(enq) & set(needs):
            error(path, "job %s must need the enqueue job" % j)
        for a in worker_lines(runs[j]):
            if "--until-empty" not in a:
                error(path, "job %s: the worker needs --until-empty" % j)
    check_ci_secrets(path, [b.get("env", {}) for b in jobs.values()] +
                     [s.get("env", {}) for b in jobs.values() for s in b.get("steps", [])],
                     r"^\$\{\{\s*secrets\.\w+\s*\}\}$")


def check_ci_secrets(path, envs, secret_ref):
    for env in envs:
        for k, v in env.items():
            if "PASSWORD" in k or k.endswith("_URL") and "PG" in k:
                if not re.match(secret_ref, str(v)):
                    error(path, "%s must come from the CI service's secrets, not %r" % (k, v))


def check_gitlab(path):
    with open(path) as f:
        text = f.read()
    ci = yaml.safe_load(text)
    check_text_commands(HELP, path, text)
    stages = ci.get("stages", [])
    jobs = {k: v for k, v in ci.items() if isinstance(v, dict) and not k.startswith(".")
            and ("script" in v)}

    def script(j):
        b = dict(jobs[j])
        for parent in [b.get("extends")] if isinstance(b.get("extends"), str) else \
                b.get("extends", []):
            for k, v in ci.get(parent, {}).items():
                b.setdefault(k, v)
        return "\n".join(b.get("before_script", []) + b.get("script", []))

    for j, b in jobs.items():
        if b.get("stage") not in stages:
            error(path, "job %s: stage %r is not in stages" % (j, b.get("stage")))
    enq = [j for j in jobs if any("--enqueue" in a for a in commands_in_text(script(j)))]
    if not enq:
        error(path, "no job runs `sesame audit --enqueue`")
    workers = [j for j in jobs if worker_lines(script(j))]
    if not workers:
        error(path, "no job runs `sesame audit --worker`")
    for j in workers:
        par = jobs[j].get("parallel")
        if not isinstance(par, int) or par < 2:
            error(path, "job %s: parallel: N (N >= 2) expected, not %r" % (j, par))
        if not set(enq) & set(jobs[j].get("needs", [])):
            error(path, "job %s must need the enqueue job" % j)
        for a in worker_lines(script(j)):
            if "--until-empty" not in a:
                error(path, "job %s: the worker needs --until-empty" % j)
            if "CI_NODE_INDEX" not in (opt_value(a, "--worker-id") or ""):
                error(path, "job %s: --worker-id should name $CI_NODE_INDEX" % j)
    check_ci_secrets(path, [ci.get("variables", {})] +
                     [b.get("variables", {}) for b in jobs.values()], r"^$")


# ---- systemd ---------------------------------------------------------------------------

def units(path):
    sections, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            m = re.fullmatch(r"\[(\w+)\]", line)
            if m:
                cur = sections.setdefault(m.group(1), {})
            elif "=" in line and cur is not None:
                k, v = line.split("=", 1)
                cur.setdefault(k.strip(), []).append(v.strip())
            else:
                error(path, "not a unit file line: %r" % line)
    return sections


def check_systemd(dirname):
    found = {}
    for name in sorted(os.listdir(dirname)):
        path = os.path.join(dirname, name)
        u = units(path)
        with open(path) as f:
            check_text_commands(HELP, path, f.read())
        if name.endswith(".service"):
            execs = u.get("Service", {}).get("ExecStart", [])
            if not execs:
                error(path, "no ExecStart=")
            for e in execs:
                argv = shlex.split(e.lstrip("-@:+!"))
                if os.path.basename(argv[0]) == "sesame":
                    check_command(HELP, path, argv[1:])
                    found[name] = argv
        if name.endswith(".timer") and not u.get("Timer", {}).get("OnCalendar"):
            error(path, "a timer without OnCalendar=")
    if not any("--worker" in a for a in found.values()):
        error(dirname, "no unit runs `sesame audit --worker`")
    if not any("--enqueue" in a for a in found.values()):
        error(dirname, "no unit runs `sesame audit --enqueue`")


# ---- everything ------------------------------------------------------------------------

def statements(text, comment):
    """GRANT / REVOKE / ALTER DEFAULT PRIVILEGES statements, whitespace normalised."""
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith(comment))
    return [" ".join(s.split()) for s in re.findall(
        r"\b((?:GRANT|REVOKE|ALTER DEFAULT PRIVILEGES)\b[^;`]*;)", text)]


def main(argv):
    global HELP
    binary, deploy, docs, readme = argv[1:5]
    HELP = Help(binary)
    check_kubernetes(os.path.join(deploy, "kubernetes"))
    check_github(os.path.join(deploy, "ci", "github-actions-fleet.yml"))
    check_gitlab(os.path.join(deploy, "ci", "gitlab-ci-fleet.yml"))
    check_systemd(os.path.join(deploy, "systemd"))
    for name in yaml_files(deploy):
        try:
            with open(os.path.join(deploy, name)) as f:
                list(yaml.safe_load_all(f))
        except yaml.YAMLError as e:
            error(os.path.join(deploy, name), "not YAML: %s" % e)
    n = 0
    url_with_password = re.compile(r"postgres(?:ql)?://[^/\s:@'\"]+:[^@\s/'\"]+@")
    for root, _, files in os.walk(deploy):
        for name in files:
            path = os.path.join(root, name)
            with open(path, errors="replace") as f:
                text = f.read()
            if url_with_password.search(text):
                error(path, "a PostgreSQL URL with a password")
            if not name.endswith((".yaml", ".yml", ".service", ".timer")):
                n += check_text_commands(HELP, path, text)
    with open(docs) as f:
        text = f.read()
    if url_with_password.search(text):
        error(docs, "a PostgreSQL URL with a password")
    n += check_text_commands(HELP, docs, text)
    for needed in ("--enqueue", "--worker", "--until-empty", "queue status"):
        if needed not in text:
            error(docs, "does not show %s" % needed)
    with open(os.path.join(deploy, "sql", "roles.sql")) as f:
        sql = statements(f.read(), "--")
    if not sql or statements(text, "--") != sql:
        error(docs, "its GRANTs are not those of deploy/sql/roles.sql")
    with open(readme) as f:
        if "docs/fleet.md" not in f.read():
            error(readme, "does not link docs/fleet.md")
    for f in sorted(checked):
        print("checked %d sesame command line(s) in %s" % (checked[f], os.path.relpath(f, os.path.dirname(deploy))))
    for e in errors:
        print(e)
    print("%d problem(s)" % len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
