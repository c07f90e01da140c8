# tests/support/fakes.sh - start and stop the loopback fakes of AWS and SES SMTP.
#
#   . "$SESAME_SRC/tests/support/fakes.sh"         # also: SUPPORT, PYTHONPATH, an EXIT trap
#   make_test_certs "$TRASH/certs"                 # certs.sh: CA + server certificate
#   start_fake_aws STATE.json LOG.jsonl [ARGS...]  # sets FAKE_AWS_PORT, FAKE_AWS_PID
#                                                  # (FAKE_AWS_SCRIPT=fake_aws_fast.py: the
#                                                  # event-loop fake, same answers)
#   start_fake_smtp STATE.json LOG.jsonl           # sets FAKE_SMTP_PORT, FAKE_SMTP_PID
#   fake_env                                       # exports the AWS_* / SESAME_* variables
#   start_fake_aws_scenario                        # scenario.py, certs, fake AWS, fake_env
#   stop_fakes                                     # kills exactly the fakes started here
#
# Call these at the top level of a test script (not inside a test body: the PIDs
# would be lost with the subshell). The certificates are expected in $FAKE_CERTS
# (default $TRASH/certs).

FAKES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$FAKES_DIR/certs.sh"

# What every test of the verifier needs: this folder (SUPPORT; Python finds fakekeys and
# the fakes' modules through PYTHONPATH), and the fakes stopped and the trash removed
# however the script ends (SESAME_KEEP_TRASH=1 keeps it to debug).
SUPPORT=$FAKES_DIR
export SUPPORT
export PYTHONPATH="$SUPPORT${PYTHONPATH:+:$PYTHONPATH}"
trap 'stop_fakes; [ -n "${SESAME_KEEP_TRASH:-}" ] || cleanup' EXIT

FAKE_CERTS=${FAKE_CERTS:-${TRASH:-.}/certs}
FAKE_PIDS=

# _wait_port FILE PID: wait (up to 10 s) for the fake to write its port.
_wait_port() {
    local file=$1 pid=$2 i
    for i in $(seq 1 200); do
        if [ -s "$file" ]; then
            cat "$file"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# FAKE_AWS_SCRIPT picks the implementation: fake_aws.py (default: a thread per
# connection) or fake_aws_fast.py (one event loop, the same answers for less CPU).
start_fake_aws() {
    local state=$1 log=$2 dir
    shift 2
    dir=$(mktemp -d "${TRASH:-/tmp}/fake-aws.XXXXXX")
    "${PYTHON:-python3}" "$FAKES_DIR/${FAKE_AWS_SCRIPT:-fake_aws.py}" --state "$state" --log "$log" \
        --cert "$FAKE_CERTS/server.pem" --key "$FAKE_CERTS/server.key" \
        --port-file "$dir/port" "$@" 2>>"$dir/stderr" &
    FAKE_AWS_PID=$!
    FAKE_PIDS="$FAKE_PIDS $FAKE_AWS_PID"
    FAKE_AWS_STDERR=$dir/stderr
    FAKE_AWS_PORT=$(_wait_port "$dir/port" "$FAKE_AWS_PID") || {
        echo "${FAKE_AWS_SCRIPT:-fake_aws.py} did not start:" >&2
        cat "$dir/stderr" >&2
        return 1
    }
    export FAKE_AWS_PORT FAKE_AWS_PID FAKE_AWS_STDERR
}

start_fake_smtp() {
    local state=$1 log=$2 dir
    shift 2
    dir=$(mktemp -d "${TRASH:-/tmp}/fake-smtp.XXXXXX")
    "${PYTHON:-python3}" "$FAKES_DIR/fake_smtp.py" --state "$state" --log "$log" \
        --cert "$FAKE_CERTS/server.pem" --key "$FAKE_CERTS/server.key" \
        --port-file "$dir/port" "$@" 2>>"$dir/stderr" &
    FAKE_SMTP_PID=$!
    FAKE_PIDS="$FAKE_PIDS $FAKE_SMTP_PID"
    FAKE_SMTP_STDERR=$dir/stderr
    FAKE_SMTP_PORT=$(_wait_port "$dir/port" "$FAKE_SMTP_PID") || {
        echo "fake_smtp.py did not start:" >&2
        cat "$dir/stderr" >&2
        return 1
    }
    export FAKE_SMTP_PORT FAKE_SMTP_PID FAKE_SMTP_STDERR
}

# stop_fake PID: stop one fake started here.
stop_fake() {
    local pid=$1 p rest=
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in $FAKE_PIDS; do
        [ "$p" = "$pid" ] || rest="$rest $p"
    done
    FAKE_PIDS=$rest
    return 0
}

stop_fakes() {
    local p
    for p in $FAKE_PIDS; do
        kill "$p" 2>/dev/null || true
    done
    for p in $FAKE_PIDS; do
        wait "$p" 2>/dev/null || true
    done
    FAKE_PIDS=
    return 0
}

# fake_env: point sesame's verifier at the fakes, and make sure nothing from the
# caller's environment (real credentials, profiles, proxies, endpoints) leaks in.
fake_env() {
    local base="https://127.0.0.1:$FAKE_AWS_PORT"
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
        AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_IGNORE_CONFIGURED_ENDPOINT_URLS \
        AWS_STS_REGIONAL_ENDPOINTS AWS_DEFAULT_REGION \
        http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
    export AWS_ENDPOINT_URL_STS=$base AWS_ENDPOINT_URL_IAM=$base AWS_ENDPOINT_URL_SES=$base \
        AWS_ENDPOINT_URL_SESV2=$base
    export AWS_CA_BUNDLE="$FAKE_CERTS/ca.pem"
    export AWS_REGION=eu-west-1
    export AWS_SHARED_CREDENTIALS_FILE="${TRASH:-/nonexistent}/no-aws-credentials"
    export AWS_CONFIG_FILE="${TRASH:-/nonexistent}/no-aws-config"
    export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
    if [ -n "${FAKE_SMTP_PORT:-}" ]; then
        export SESAME_SMTP_ENDPOINT="smtp://127.0.0.1:$FAKE_SMTP_PORT"
    fi
}

# start_fake_aws_scenario: the usual start of a verifier test: run $TRASH/scenario.py
# there (it writes aws-state.json), then the certificates, the fake AWS (log in
# $TRASH/aws.log) and fake_env. Exits 2 (the test could not start) if any step fails.
start_fake_aws_scenario() {
    export SUPPORT
    (cd "$TRASH" && "$PYTHON" scenario.py) || exit 2
    make_test_certs "$TRASH/certs" || exit 2
    start_fake_aws "$TRASH/aws-state.json" "$TRASH/aws.log" || exit 2
    fake_env
}
