#!/usr/bin/env bash
# Builds Paperboy's image with podman or docker, runs it and checks that it answers /readyz, runs
# as a non-root user, runs the compiled build and passes its own HEALTHCHECK. Slow (a few minutes
# the first time), so it is not part of `npm test`: run it with `npm run container:check`.
#
#   BASE_IMAGE=node:20-bookworm-slim   the image both stages start from (the Dockerfile's default)
#   --local-base                       build the base here instead: Debian bookworm from
#                                      debootstrap (apt-get install debootstrap) plus this machine's
#                                      node and npm, for machines that cannot pull images
#   REBUILD_BASE=1                     with --local-base: build the base again even if it exists
#   CONTAINER_ENGINE=podman|docker     which engine (default: the first of them that answers)
#   CHECK_DATABASE_URL=postgres://…    also run the image against that PostgreSQL (host network)
#   KEEP_CONTAINER=1                   leave the container running afterwards
#
# Inside another container (a CI runner) podman's defaults may not start anything: crun refuses
# hybrid cgroups, and raising RLIMIT_NOFILE/NPROC is not permitted. The script tries a container
# first and, if that fails, falls back to runc with lower limits, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'container-check: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

local_base=0
for arg in "$@"; do
  case "$arg" in
    --local-base) local_base=1 ;;
    *) die "unknown option $arg (see the top of $0)" ;;
  esac
done

engine="${CONTAINER_ENGINE:-}"
if [ -z "$engine" ]; then
  for candidate in podman docker; do
    if command -v "$candidate" >/dev/null && "$candidate" info >/dev/null 2>&1; then engine=$candidate; break; fi
  done
fi
[ -n "$engine" ] || die "neither podman nor docker answers here (apt-get install -y podman)"
say "engine: $engine ($("$engine" --version))"

image=paperboy:check
base="${BASE_IMAGE:-node:20-bookworm-slim}"

# A base image made of Debian bookworm (minbase) and the Node.js that runs this script.
build_local_base() {
  command -v debootstrap >/dev/null || die "--local-base needs debootstrap (apt-get install -y debootstrap)"
  local node_bin npm_dir rootfs
  node_bin="$(command -v node)"
  npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  [ -f "$npm_dir/bin/npm-cli.js" ] || die "npm not found beside node (looked in $npm_dir)"
  rootfs="$(mktemp -d /tmp/paperboy-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' RETURN
  say "debootstrap bookworm (minbase) into $rootfs … (a few minutes; its log: $rootfs.log)"
  debootstrap --variant=minbase bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$rootfs.log" 2>&1 \
    || die "debootstrap failed; see $rootfs.log"
  say "adding $("$node_bin" --version) from $node_bin and npm from $npm_dir"
  install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # the machine's trusted certificates, so npm inside reaches the registry as it does here (behind
  # a TLS-inspecting proxy too); minbase has no ca-certificates package of its own
  local ca=/etc/ssl/certs/ca-certificates.crt
  [ -f "$ca" ] || die "no $ca on this machine (apt-get install -y ca-certificates)"
  install -D -m 0644 "$ca" "$rootfs$ca"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  say "importing the base as $base"
  tar -C "$rootfs" -c . | "$engine" import --change 'CMD ["node"]' \
    --change "ENV NODE_EXTRA_CA_CERTS=$ca" --change "ENV npm_config_cafile=$ca" \
    --change "ENV npm_config_update_notifier=false" - "$base" >/dev/null
  rm -f "$rootfs.log"
}

if [ "$local_base" = 1 ]; then
  base=localhost/paperboy-base:bookworm-node20
  if "$engine" image inspect "$base" >/dev/null 2>&1 && [ "${REBUILD_BASE:-0}" != 1 ]; then
    say "using the base built before, $base (REBUILD_BASE=1 builds it again)"
  else
    build_local_base
  fi
elif ! "$engine" image inspect "$base" >/dev/null 2>&1 && ! "$engine" pull "$base" >/dev/null 2>&1; then
  die "cannot pull $base: run with --local-base to build a base from debootstrap"
fi

# Options for every engine command, and for build and run, chosen by probe_engine.
engine_opts=()
limit_opts=()
probe_engine() {
  "$engine" run --rm "$base" node --version >/dev/null 2>&1 && return 0
  if [ "$engine" = podman ] && command -v runc >/dev/null; then
    engine_opts=(--runtime runc)
    limit_opts=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
    if "$engine" "${engine_opts[@]}" run --rm "${limit_opts[@]}" "$base" node --version >/dev/null 2>&1; then
      say "the default runtime cannot start a container here; using: ${engine_opts[*]} ${limit_opts[*]}"
      return 0
    fi
  fi
  "$engine" run --rm "$base" node --version >&2 || true
  die "$engine cannot start a container from $base (error above; on podman, apt-get install -y runc may help)"
}
probe_engine
engine() { "$engine" "${engine_opts[@]}" "$@"; }

say "building $image from $base …"
build_args=(build -t "$image" --build-arg "BASE_IMAGE=$base" "${limit_opts[@]}")
# podman writes OCI images by default, and the OCI format has no HEALTHCHECK
[ "$engine" = podman ] && build_args+=(--format docker)
engine "${build_args[@]}" . >&2

name="paperboy-check-$$"
port="${CHECK_PORT:-3999}"
cleanup() {
  if [ "${KEEP_CONTAINER:-0}" = 1 ]; then say "left running: $name"; return; fi
  engine rm -f "$name" >/dev/null 2>&1 || true
  engine volume rm -f "$name-data" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Waits for http://127.0.0.1:$port/readyz to answer 200 and prints its body.
wait_ready() {
  local body
  for _ in $(seq 1 90); do
    if [ "$(engine inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
      say "the container stopped; its output:"
      engine logs "$name" >&2 || true
      return 1
    fi
    if body="$(node -e "fetch('http://127.0.0.1:$port/readyz').then(async r=>{if(!r.ok)process.exit(1);console.log(await r.text())},()=>process.exit(1))" 2>/dev/null)"; then
      printf '%s\n' "$body"; return 0
    fi
    sleep 1
  done
  engine logs "$name" >&2 || true
  return 1
}

# Checks a running container: /readyz, the user, the compiled build, the image's HEALTHCHECK.
check_running() {
  local label="$1" ready uid fresh health
  ready="$(wait_ready)" || die "$label: /readyz never answered 200 (logs above)"
  say "$label: GET /readyz → 200 $ready"
  uid="$(engine exec "$name" id -u)"
  [ "$uid" != 0 ] || die "$label: the process runs as root"
  say "$label: runs as uid $uid ($(engine exec "$name" id -un))"
  fresh="$(engine exec "$name" node -e "import('/app/bin/build-freshness.js').then(m=>console.log(m.buildIsFresh('/app')))")"
  [ "$fresh" = true ] || die "$label: the image would run src/ through tsx, not the compiled dist/"
  say "$label: runs the compiled dist/"
  # docker keeps it as Config.Healthcheck, podman as HealthCheck: look for either
  engine image inspect "$image" | grep -qi '"healthcheck": *{' || die "the image has no HEALTHCHECK"
  if [ "$engine" = podman ]; then
    # podman schedules HEALTHCHECK with systemd timers; without systemd (inside a container) it
    # logs "unable to get systemd connection" at run and never runs it: run it here instead
    engine healthcheck run "$name" >/dev/null || die "$label: HEALTHCHECK failed"
    say "$label: HEALTHCHECK (podman healthcheck run) passed"
  else
    for _ in $(seq 1 60); do
      health="$(engine inspect --format '{{.State.Health.Status}}' "$name")"
      [ "$health" = healthy ] && break
      sleep 2
    done
    [ "$health" = healthy ] || die "$label: HEALTHCHECK status is $health"
    say "$label: HEALTHCHECK status healthy"
  fi
}

secret="$(node -e "console.log(require('node:crypto').randomBytes(32).toString('hex'))")"

say "run 1: embedded database and outbox on the data volume $name-data, port 127.0.0.1:$port"
engine run -d "${limit_opts[@]}" --name "$name" -p "127.0.0.1:$port:3000" -v "$name-data:/data" \
  -e SECRET_KEY="$secret" -e PUBLIC_URL="http://localhost:$port" -e MAIL_FROM='Paperboy <digest@example.org>' \
  "$image" >/dev/null
check_running "embedded"
engine exec "$name" test -f /data/embedded-db.json || die "embedded: nothing written to the /data volume"
say "embedded: the embedded database is on the /data volume"
engine rm -f "$name" >/dev/null

if [ -n "${CHECK_DATABASE_URL:-}" ]; then
  say "run 2: PostgreSQL at CHECK_DATABASE_URL, host network, port $port"
  engine run -d "${limit_opts[@]}" --name "$name" --network host -e PORT="$port" -e HOST=127.0.0.1 \
    -e DATABASE_URL="$CHECK_DATABASE_URL" -e SECRET_KEY="$secret" -e PUBLIC_URL="http://localhost:$port" \
    -e MAIL_FROM='Paperboy <digest@example.org>' "$image" >/dev/null
  check_running "postgres"
fi

say "all checks passed"
