#!/usr/bin/env bash
# Issue 15 item 6: the fleet recipes of deploy/ and docs/fleet.md are valid as written. No
# cluster and no CI service: tests/integration/deploy_check.py parses every YAML file
# (PyYAML, Debian's python3-yaml) and the systemd units, checks their structure (the
# Indexed Job, the CronJob, the Secret, the CI matrix and `parallel:`, Kubernetes field
# names) and every sesame command line against `sesame help` of this binary. Then copies
# of the recipes, each broken in one way, must be refused with the reason: a check that
# cannot fail proves nothing.
#
# The queue's options (--enqueue, --worker, --until-empty, --worker-id, --lease-timeout,
# --max-attempts; `sesame queue status`) are checked strictly against `sesame help`.
. "$(dirname "$0")/lib.sh"
setup

"$PYTHON" -c "import yaml" || { echo "python3-yaml is missing (scripts/deps.sh --test)"; exit 1; }

export HELP_CACHE="$TRASH/help-cache"   # `sesame help CMD` asked once, not per check
mkdir -p "$HELP_CACHE"

check() { # check DIR: run the checker on a copy of the recipes in DIR
    "$PYTHON" "$SESAME_SRC/tests/integration/deploy_check.py" "$SESAME_BIN" "$1/deploy" \
        "$1/docs/fleet.md" "$1/README.md"
}

fresh() { # fresh DIR: a copy of the recipes, the docs and the README
    rm -rf "$1" && mkdir -p "$1/docs"
    cp -r "$SESAME_SRC/deploy" "$1/deploy"
    cp "$SESAME_SRC/docs/fleet.md" "$1/docs/" && cp "$SESAME_SRC/README.md" "$1/"
}

# mutate FILE OLD NEW: replace the first OLD (which must be there) by NEW
mutate() {
    "$PYTHON" - "$@" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
s = open(path).read()
assert old in s, "mutate: %r not in %s" % (old, path)
open(path, "w").write(s.replace(old, new, 1))
EOF
}

# broken TITLE-OF-FAILURE: the checker must refuse the copy in ./b with that message
refused() {
    run_cmd check b
    expect_rc 1
    expect_grep -F -- "$1" out
}

test_expect_success 'the recipes as committed pass every check' '
    run_cmd check "$SESAME_SRC"
    cat out
    expect_rc 0
    expect_grep "^0 problem(s)" out
'

test_expect_success 'sesame command lines were found and checked in every kind of file' '
    run_cmd check "$SESAME_SRC"
    for f in deploy/kubernetes/audit-job.yaml deploy/kubernetes/reaudit-cronjob.yaml \
             deploy/kubernetes/enqueue-job.yaml deploy/ci/github-actions-fleet.yml \
             deploy/ci/gitlab-ci-fleet.yml deploy/systemd/sesame-worker@.service \
             deploy/systemd/sesame-enqueue.service docs/fleet.md; do
        expect_grep -E "^checked [1-9][0-9]* sesame command line\(s\) in $f$" out
    done
'

test_expect_success 'the queue options are checked against sesame help' '
    sesame help queue >/dev/null &&
    fresh b &&
    mutate b/deploy/kubernetes/audit-job.yaml "- --until-empty" "- --until-emptied" &&
    mutate b/deploy/kubernetes/reaudit-cronjob.yaml "- --until-empty" "- --until-emptied" &&
    refused "has no option --until-emptied"
'

test_expect_success 'refused: the Job is not Indexed' '
    fresh b
    mutate b/deploy/kubernetes/audit-job.yaml "completionMode: Indexed" "completionMode: NonIndexed"
    refused "completionMode: Indexed"
'

test_expect_success 'refused: one worker only' '
    fresh b
    mutate b/deploy/kubernetes/audit-job.yaml "parallelism: 4" "parallelism: 1"
    refused "parallelism must be at least 2"
'

test_expect_success 'refused: the worker without --until-empty' '
    fresh b
    mutate b/deploy/kubernetes/audit-job.yaml "            - --until-empty
" ""
    refused "--until-empty"
'

test_expect_success 'refused: an option sesame does not have, in the docs' '
    fresh b
    mutate b/docs/fleet.md "--mirror-dir /var/lib/sesame/mirrors --threads 2" \
        "--mirror-dir /var/lib/sesame/mirrors --thread 2"
    refused "has no option --thread"
'

test_expect_success 'refused: a misspelt Kubernetes field' '
    fresh b
    mutate b/deploy/kubernetes/enqueue-job.yaml "readOnlyRootFilesystem: true" \
        "readOnlyRootFileSystem: true"
    refused "unknown field '\''readOnlyRootFileSystem'\''"
'

test_expect_success 'refused: a literal password in the pod spec' '
    fresh b
    mutate b/deploy/kubernetes/audit-job.yaml "            - name: PGPASSWORD
              valueFrom:
                secretKeyRef:
                  name: sesame-db
                  key: password" "            - name: PGPASSWORD
              value: hunter2"
    refused "PGPASSWORD must come from a Secret"
'

test_expect_success 'refused: the URL not from a Secret' '
    fresh b
    mutate b/deploy/kubernetes/audit-job.yaml "            - \$(SESAME_PG_URL)
            - --worker" "            - postgresql://sesame_worker@db.example.internal/sesame
            - --worker"
    refused "--db must be \$(VAR) with VAR from a Secret"
'

test_expect_success 'refused: a PostgreSQL URL with a password, even in a comment' '
    fresh b
    mutate b/deploy/kubernetes/config.yaml "# team platform" \
        "# postgresql://sesame_worker:hunter2@db.example.internal/sesame"
    refused "a PostgreSQL URL with a password"
'

test_expect_success 'refused: a CronJob that may overlap, or drifts from the Job' '
    fresh b
    mutate b/deploy/kubernetes/reaudit-cronjob.yaml "concurrencyPolicy: Forbid" \
        "concurrencyPolicy: Allow"
    refused "concurrencyPolicy: Forbid"
    fresh b
    mutate b/deploy/kubernetes/reaudit-cronjob.yaml "memory: 512Mi" "memory: 256Mi"
    refused "differs from audit-job.yaml"
'

test_expect_success 'refused: CI without parallel workers, or workers before the queue is filled' '
    fresh b
    mutate b/deploy/ci/gitlab-ci-fleet.yml "parallel: 4" "parallel: 1"
    refused "parallel: N (N >= 2) expected"
    fresh b
    mutate b/deploy/ci/github-actions-fleet.yml "worker: [1, 2, 3, 4]" "worker: [1]"
    refused "a matrix of at least 2 workers"
    fresh b
    mutate b/deploy/ci/github-actions-fleet.yml "needs: enqueue" "needs: build"
    refused "must need the enqueue job"
'

test_expect_success 'refused: docs whose GRANTs differ from deploy/sql/roles.sql' '
    fresh b
    mutate b/docs/fleet.md "GRANT USAGE ON ALL SEQUENCES IN SCHEMA sesame TO sesame_worker;" \
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA sesame TO sesame_worker;"
    refused "GRANTs are not those of deploy/sql/roles.sql"
'

test_expect_success 'refused: the mirror-volume patch misses the base' '
    fresh b
    mutate b/deploy/kubernetes/mirror-volume/cronjob-patch.yaml "- name: state" "- name: mirrors"
    refused "volume mirrors is not a volume of the base"
    fresh b
    mutate b/deploy/kubernetes/mirror-volume/pvc.yaml "name: sesame-mirrors" "name: other"
    refused "claim sesame-mirrors is not defined beside the patch"
'

test_expect_success 'refused: a YAML file that does not parse' '
    fresh b
    printf "apiVersion: v1\nkind: ConfigMap\n  data: [\n" >b/deploy/kubernetes/broken.yaml
    refused "not YAML"
    fresh b
    printf "a: [\n" >b/deploy/systemd/extra.yml
    refused "extra.yml: not YAML"
'

test_done
