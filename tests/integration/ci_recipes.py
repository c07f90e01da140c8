#!/usr/bin/env python3
"""
ci_recipes.py - run the shell steps of hooks/ci/github-actions.yml or hooks/ci/gitlab-ci.yml
locally, as the CI service would, on a generated repository (t0970).

    ci_recipes.py github|gitlab RECIPE WORKDIR SHIMS

The recipe is read with PyYAML; every `run:` step (GitHub) or the before_script and
script lines (GitLab, one shell) run under bash -e in WORKDIR (a clone of the repository
under test), with the recipe's own env/variables and the CI variables the service sets
(pull request base and head, GITHUB_PATH, RUNNER_TEMP, ...; from the environment of this
script: BASE, HEAD). SHIMS is put first on PATH: it holds stand-ins for what needs the
network or root (apt-get, the compile of sesame; see t0970). `uses:` steps are checked,
not run: checkout is the clone already there, upload-sarif needs its file.

Prints one line per step ("step NAME: exit N"); exits with the status of the last step
that failed the job (0 if none did), as the CI job would end.
"""

import os
import re
import subprocess
import sys

import yaml


def expand_github(text, ctx):
    """${{ github.x.y }} expressions of the recipe, from ctx (dotted names)."""
    def one(m):
        expr = m.group(1).strip()
        return str(ctx.get(expr, ""))
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def run_shell(script, env, cwd, name):
    p = subprocess.run(["bash", "-e", "-c", script], env=env, cwd=cwd)
    print("step %s: exit %d" % (name, p.returncode), flush=True)
    return p.returncode


def github(recipe, workdir, env):
    job = recipe["jobs"]["sesame"]
    ctx = {
        "github.event_name": "pull_request",
        "github.event.pull_request.base.sha": os.environ["BASE"],
        "github.sha": os.environ["HEAD"],
        "github.event.before": "",
        "github.event.pull_request.head.repo.fork": "false",
    }
    runner_temp = os.path.join(os.environ["TRASH"], "runner-temp")
    os.makedirs(runner_temp, exist_ok=True)
    github_path = os.path.join(runner_temp, "github-path")
    open(github_path, "w").close()
    env = dict(env, RUNNER_TEMP=runner_temp, GITHUB_PATH=github_path, GITHUB_WORKSPACE=workdir,
               CI="true", GITHUB_ACTIONS="true")
    env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
    env.update(OVERRIDES)
    failed = 0
    for step in job["steps"]:
        name = step.get("name") or step.get("uses")
        if "uses" in step:
            if step["uses"].startswith("github/codeql-action/upload-sarif"):
                f = os.path.join(workdir, step["with"]["sarif_file"])
                ok = os.path.isfile(f) and os.path.getsize(f) > 0
                print("step %s: %s" % (name, "sarif present" if ok else "NO SARIF"), flush=True)
                if not ok:
                    failed = 1
            else:
                print("step %s: (checkout: the clone is there)" % name, flush=True)
            continue
        if failed and "always()" not in str(step.get("if", "")):
            print("step %s: skipped (an earlier step failed)" % name, flush=True)
            continue
        step_env = dict(env)
        for k, v in (step.get("env") or {}).items():
            step_env[k] = expand_github(str(v), ctx)
        with open(github_path) as f:  # what earlier steps appended to GITHUB_PATH
            extra = [l.strip() for l in f if l.strip()]
        if extra:
            step_env["PATH"] = ":".join(extra) + ":" + step_env["PATH"]
        rc = run_shell(expand_github(step["run"], ctx), step_env, workdir, name)
        if rc:
            failed = rc
    return failed


def gitlab(recipe, workdir, env):
    job = recipe["sesame"]
    env = dict(env, CI="true", GITLAB_CI="true", CI_PIPELINE_SOURCE="merge_request_event",
               CI_MERGE_REQUEST_DIFF_BASE_SHA=os.environ["BASE"], CI_COMMIT_SHA=os.environ["HEAD"],
               CI_PROJECT_DIR=workdir)
    env.update({k: str(v) for k, v in (job.get("variables") or {}).items()})
    env.update(OVERRIDES)
    # GitLab runs before_script and script in one shell, stopping at the first failure.
    lines = list(job.get("before_script") or []) + list(job.get("script") or [])
    rc = run_shell("\n".join(lines), env, workdir, "before_script+script")
    report = job["artifacts"]["reports"]["secret_detection"]
    present = os.path.isfile(os.path.join(workdir, report))
    print("artifact %s: %s" % (report, "present" if present else "MISSING"), flush=True)
    return rc


OVERRIDES = {}


def main(argv):
    kind, path, workdir, shims = argv[1:5]
    for kv in argv[5:]:  # NAME=VALUE: what a user edits in the recipe (SESAME_GIT_URL, ...)
        k, _, v = kv.partition("=")
        OVERRIDES[k] = v
    recipe = yaml.safe_load(open(path))
    env = dict(os.environ)
    env["PATH"] = shims + ":" + env["PATH"]
    return (github if kind == "github" else gitlab)(recipe, workdir, env)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
