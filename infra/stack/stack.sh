#!/usr/bin/env bash
# RiskStream's local stack without Docker: provision, start, stop and inspect Kafka (KRaft),
# PostgreSQL 15, FerretDB (MongoDB wire protocol), Redis 7, stripe-mock and SeaweedFS (an S3
# gateway for workbooks and results) on 127.0.0.1.
# Everything lives under $RISKSTREAM_DATA (default .stack/, git-ignored). Each step is idempotent.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${RISKSTREAM_DATA:-$ROOT/.stack}
BIN=$DATA/bin
RUN=$DATA/run
LOG=$DATA/log
KAFKA_PORT=${KAFKA_PORT:-19092}
CONTROLLER_PORT=${CONTROLLER_PORT:-19093}
PG_PORT=${PG_PORT:-15432}
MONGO_PORT=${MONGO_PORT:-27027}
REDIS_PORT=${REDIS_PORT:-16379}
STRIPE_PORT=${STRIPE_PORT:-12111}
S3_PORT=${S3_PORT:-18333}  # SeaweedFS: its S3 gateway; master, volume and filer on the ports below
WEED_MASTER_PORT=${WEED_MASTER_PORT:-19333}
WEED_VOLUME_PORT=${WEED_VOLUME_PORT:-18380}
WEED_FILER_PORT=${WEED_FILER_PORT:-18888}
BLOB_BUCKET=riskstream
STRIPE_MOCK_VERSION=v0.203.0
KUSTOMIZE_VERSION=v5.5.0
# SeaweedFS tags (4.01, …) are not semantic versions, so the Go module proxy knows its commits
# only as pseudo-versions: this one is master of 2026-11-09 (`weed version`: 4.53).
SEAWEEDFS_VERSION=v0.0.0-20261109003541-7506e5f91cd6
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-python3}

say() { printf '\033[1m[stack]\033[0m %s\n' "$*"; }

apt_install() {
    local missing=()
    [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v wrk >/dev/null || missing+=(wrk)  # the API benchmark's load generator
    command -v npm >/dev/null || missing+=(nodejs npm)  # builds the workbench page (web/)
    # the workbench's browser tests: Debian's Chromium and its driver, never a downloaded browser
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    [ ${#missing[@]} -eq 0 ] && return
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

provision_python() {
    local stamp=$ROOT/.venv/.riskstream-stamp
    local want
    want=$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
    say "creating the virtualenv with RiskStream and its test tools"
    [ -x "$ROOT/.venv/bin/python" ] || "$PYTHON" -m venv "$ROOT/.venv"
    "$ROOT/.venv/bin/pip" install -q -U pip
    "$ROOT/.venv/bin/pip" install -q -e "$ROOT[dev]" >"$LOG/pip.log" 2>&1 ||
        { tail -n 40 "$LOG/pip.log" >&2; return 1; }
    echo "$want" >"$stamp"
}

provision_web() { # the workbench page: packages when the lock changes, a build when the page does
    local web=$ROOT/web want built
    want=$(sha256sum "$web/package-lock.json" | cut -c1-16)
    if [ ! -f "$web/node_modules/.riskstream-stamp" ] ||
        [ "$(cat "$web/node_modules/.riskstream-stamp")" != "$want" ]; then
        say "installing the workbench's npm packages"
        (cd "$web" && npm ci --no-audit --no-fund) >"$LOG/npm.log" 2>&1 ||
            { tail -n 40 "$LOG/npm.log" >&2; return 1; }
        echo "$want" >"$web/node_modules/.riskstream-stamp"
    fi
    built=$( (cd "$web" && cat package-lock.json index.html vite.config.ts tsconfig.json &&
        find src -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)
    if [ -f "$web/dist/index.html" ] && [ -f "$web/node_modules/.riskstream-build" ] &&
        [ "$(cat "$web/node_modules/.riskstream-build")" = "$built" ]; then return; fi
    say "building the workbench page (web/dist)"
    (cd "$web" && npm run build) >"$LOG/web-build.log" 2>&1 ||
        { tail -n 40 "$LOG/web-build.log" >&2; return 1; }
    echo "$built" >"$web/node_modules/.riskstream-build"
}

provision_kafka() {
    [ -f "$DATA/kafka/libs/kafka_2.13-3.9.1.jar" ] && return
    say "fetching Kafka 3.9.1 jars from Maven Central"
    mkdir -p "$DATA/kafka/libs"
    mvn -q -B -f "$ROOT/infra/stack/kafka/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$DATA/kafka/libs" -DincludeScope=runtime
}

provision_go_tools() {
    mkdir -p "$BIN"
    # the stamp names the build: a binary from before the _id index fix is built again
    if [ ! -x "$BIN/ferretdb" ] || [ ! -f "$BIN/ferretdb.id-index" ]; then
        say "building FerretDB 1.24.2 (embedded wrapper, _id index fixed)"
        bash "$ROOT/infra/stack/ferretdb/build.sh" "$BIN/ferretdb" && touch "$BIN/ferretdb.id-index"
    fi
    if [ ! -x "$BIN/stripe-mock" ]; then
        say "installing stripe-mock $STRIPE_MOCK_VERSION"
        GOBIN=$BIN go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
    fi
    if [ ! -x "$BIN/weed" ]; then
        # its go.mod has a replace directive, which `go install module@version` refuses, so it
        # is built inside the downloaded module, where that directive applies
        say "building SeaweedFS $SEAWEEDFS_VERSION (a few minutes)"
        local dir
        dir=$(go mod download -json "github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" |
            sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
        (cd "$dir" && go build -o "$BIN/weed" ./weed)
    fi
    if [ ! -x "$BIN/kustomize" ]; then  # builds infra/k8s in the manifest tests
        say "installing kustomize $KUSTOMIZE_VERSION"
        GOBIN=$BIN go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
    fi
}

provision() {
    mkdir -p "$DATA" "$RUN" "$LOG"
    apt_install
    provision_python
    provision_web
    provision_kafka
    provision_go_tools
}

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

wait_port() {
    local name=$1 port=$2 tries=${3:-120}
    for _ in $(seq "$tries"); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    say "$name did not open port $port; last log lines:"
    tail -n 30 "$LOG/$name.log" >&2 || true
    return 1
}

spawn() { # name, then the command
    local name=$1; shift
    if running "$name"; then return; fi
    setsid "$@" >>"$LOG/$name.log" 2>&1 < /dev/null &
    echo $! >"$RUN/$name.pid"
}

pg_data_dir() { # the postgres user must reach the cluster; a checkout under a private home may not
    if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$DATA"; then
        echo "$DATA/postgres"
    else
        echo "/var/tmp/riskstream-$(echo "$DATA" | sha256sum | cut -c1-12)/postgres"
    fi
}

start_postgres() {
    local pgdata
    pgdata=$(pg_data_dir)
    if [ ! -f "$pgdata/PG_VERSION" ]; then
        say "initialising a PostgreSQL cluster in $pgdata"
        mkdir -p "$pgdata"
        if [ "$(id -u)" = 0 ]; then
            chown -R postgres:postgres "$pgdata"
            case "$pgdata" in /var/tmp/*) chown postgres:postgres "$(dirname "$pgdata")" ;; esac
        fi
        as_pg "$PG_BIN/initdb" -D "$pgdata" -U riskstream --auth=trust -E UTF8 >/dev/null
    fi
    if ! running postgres; then
        spawn postgres $(pg_user_prefix) "$PG_BIN/postgres" -D "$pgdata" -p "$PG_PORT" -k /tmp \
            -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200
    fi
    wait_port postgres "$PG_PORT"
    for _ in $(seq 60); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
        sleep 0.5
    done
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U riskstream -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='riskstream'" | grep -q 1 ||
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U riskstream riskstream
}

pg_user_prefix() { # PostgreSQL refuses to run as root
    if [ "$(id -u)" = 0 ]; then echo "runuser -u postgres --"; fi
}

as_pg() { $(pg_user_prefix) "$@"; }

start_kafka() {
    local cfg=$DATA/kafka/server.properties libs="$DATA/kafka/libs/*"
    local cores jit=""
    cores=$(nproc)
    sed -e "s#@DATA@#$DATA#g" -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" \
        -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" \
        -e "s#@NETWORK_THREADS@#$((cores < 3 ? cores : 3))#g" \
        -e "s#@IO_THREADS@#$((cores < 8 ? cores : 8))#g" \
        "$ROOT/infra/stack/kafka/server.properties.in" >"$cfg"
    if [ ! -f "$DATA/kafka/data/meta.properties" ]; then
        local cluster
        cluster=$(java -cp "$libs" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
        java -cp "$libs" kafka.tools.StorageTool format -t "$cluster" -c "$cfg" >/dev/null
    fi
    # a broker keeps a file open per log segment, and every test's topics add partitions: a
    # full suite creates ~20,000, past the usual limit of open files (raised as far as allowed)
    ulimit -Hn 1048576 2>/dev/null || true
    ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
    # On a few cores the optimizing compiler (C2) costs more than it saves: it compiles the
    # broker's request paths through the first bursts of work, on the cores those requests
    # need. Eight bursts of 100 small runs in a row (bench.simulations) took the broker 3.7,
    # 1.2, 1.2, then 0.6-0.8 s of CPU each; with the quick compiler (C1) alone, 0.5-0.65 s
    # from the first.
    if [ "$cores" -le 4 ]; then jit="-XX:TieredStopAtLevel=1"; fi
    # shellcheck disable=SC2086
    spawn kafka java -Xms256m -Xmx768m -XX:+UseG1GC $jit \
        -Dlog4j.configuration="file:$ROOT/infra/stack/kafka/log4j.properties" \
        -cp "$libs" kafka.Kafka "$cfg"
    wait_port kafka "$KAFKA_PORT" 240
}

start_redis() {
    mkdir -p "$DATA/redis"
    spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DATA/redis" \
        --save "" --appendonly no --daemonize no
    wait_port redis "$REDIS_PORT"
}

start_ferretdb() {
    spawn ferretdb "$BIN/ferretdb" -listen "127.0.0.1:$MONGO_PORT" -handler sqlite \
        -sqlite-url "file:$DATA/ferretdb/"
    wait_port ferretdb "$MONGO_PORT"
}

start_stripe() {
    spawn stripe-mock "$BIN/stripe-mock" -http-port "$STRIPE_PORT" -https-port $((STRIPE_PORT + 1))
    wait_port stripe-mock "$STRIPE_PORT"
}

s3_identities() { # SeaweedFS's S3 users: one, with the stack's keys
    cat <<JSON
{"identities": [{"name": "riskstream",
  "credentials": [{"accessKey": "$(secret s3-access-key)", "secretKey": "$(secret s3-secret-key)"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
}

start_seaweedfs() {
    mkdir -p "$DATA/seaweedfs" "$DATA/secrets"
    chmod 700 "$DATA/secrets"
    # the keys first: the redirection below opens the file before s3_identities runs
    secret s3-access-key >/dev/null
    secret s3-secret-key >/dev/null
    (umask 077; s3_identities >"$DATA/secrets/s3.json")
    # -volume.max 0: as many 256 MB volumes as the disk holds (the default, 8, runs out once a
    # few collections have grown their first seven each)
    spawn seaweedfs "$BIN/weed" server -dir "$DATA/seaweedfs" -ip 127.0.0.1 -ip.bind 127.0.0.1 \
        -master.telemetry=false \
        -master.port "$WEED_MASTER_PORT" -master.volumeSizeLimitMB 256 \
        -volume.max 0 \
        -volume.port "$WEED_VOLUME_PORT" -filer.port "$WEED_FILER_PORT" \
        -s3 -s3.port "$S3_PORT" -s3.config "$DATA/secrets/s3.json"
    wait_port seaweedfs "$S3_PORT" 240
    local code
    for _ in $(seq 120); do # the gateway answers before the filer behind it is ready
        code=$(printf 'user = "%s:%s"\n' "$(secret s3-access-key)" "$(secret s3-secret-key)" |
            curl -s -o /dev/null -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:us-east-1:s3" \
                --config - "http://127.0.0.1:$S3_PORT/$BLOB_BUCKET") || true
        case "$code" in 200|409) return 0 ;; esac
        sleep 0.5
    done
    say "SeaweedFS did not create the bucket $BLOB_BUCKET (HTTP $code); last log lines:"
    tail -n 30 "$LOG/seaweedfs.log" >&2
    return 1
}

start() {
    mkdir -p "$RUN" "$LOG"
    start_postgres
    start_redis
    start_ferretdb
    start_stripe
    start_seaweedfs
    start_kafka
    say "services up: kafka :$KAFKA_PORT  postgres :$PG_PORT  ferretdb :$MONGO_PORT  redis :$REDIS_PORT  stripe-mock :$STRIPE_PORT  s3 (seaweedfs) :$S3_PORT"
}

stop() {
    for name in api processors kafka seaweedfs stripe-mock ferretdb redis postgres; do
        [ -f "$RUN/$name.pid" ] || continue
        local pid
        pid=$(cat "$RUN/$name.pid")
        if kill -0 "$pid" 2>/dev/null; then
            say "stopping $name ($pid)"
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        rm -f "$RUN/$name.pid"
    done
}

start_app() { # the API on 127.0.0.1:8000 and the processors ($RUNNERS simulation runners)
    env_file >"$DATA/env"
    set -a; . "$DATA/env"; set +a
    spawn processors "$ROOT/.venv/bin/riskstream" processors \
        --replicas "simulation-runner=${RUNNERS:-1}"
    spawn api "$ROOT/.venv/bin/riskstream" api --host 127.0.0.1 --port "${API_PORT:-8000}"
    wait_port api "${API_PORT:-8000}"
}

status() {
    for name in postgres redis ferretdb stripe-mock seaweedfs kafka api processors; do
        if running "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
    done
}

secret() { # a random secret made once per stack and kept in its data folder
    local file=$DATA/secrets/$1
    if [ ! -s "$file" ]; then
        mkdir -p "$DATA/secrets"; chmod 700 "$DATA/secrets"
        (umask 077; printf '%s%s' "${2:-}" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$file")
    fi
    cat "$file"
}

env_file() { # the settings the Python side reads, for the ports chosen here
    cat <<ENV
RISKSTREAM_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
RISKSTREAM_POSTGRES_DSN=postgresql://riskstream@127.0.0.1:$PG_PORT/riskstream
RISKSTREAM_MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/
RISKSTREAM_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
RISKSTREAM_STRIPE_API_BASE=http://127.0.0.1:$STRIPE_PORT
RISKSTREAM_STRIPE_API_KEY=sk_test_123
RISKSTREAM_BLOB_STORE_URL=s3://$BLOB_BUCKET
RISKSTREAM_S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT
RISKSTREAM_S3_ACCESS_KEY=$(secret s3-access-key)
RISKSTREAM_S3_SECRET_KEY=$(secret s3-secret-key)
RISKSTREAM_JWT_SECRET=$(secret jwt)
RISKSTREAM_SEALING_KEY=$(secret sealing)
RISKSTREAM_STRIPE_WEBHOOK_SECRET=$(secret stripe-webhook whsec_)
ENV
}

case "${1:-}" in
    provision) provision ;;
    venv) mkdir -p "$DATA" "$RUN" "$LOG"; apt_install; provision_python ;;
    start) start ;;
    up) provision; start; env_file >"$DATA/env" ;;
    app) start_app ;;
    web) mkdir -p "$LOG"; provision_web ;;
    stop) stop ;;
    status) status ;;
    env) env_file ;;
    *) echo "usage: $0 provision|venv|start|up|app|web|stop|status|env" >&2; exit 2 ;;
esac
