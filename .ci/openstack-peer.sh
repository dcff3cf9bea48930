#!/usr/bin/env bash
# openstack-peer.sh up|down|status — the real OpenStack peer for the OpenStack connector's
# peer tests. `.ci/run` calls `up` before the test suite and `down` after.
#
# It wraps ../shared/tools/openstack-peer (beside the repository) and exports nothing: the tests
# find the peer through SKYDECK_OPENSTACK_PEER_URL and friends, which .ci/run (or a developer)
# sets; see connectors/openstack/README.md.
set -euo pipefail

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
# The peer's scripts live in shared/ beside the repository; CI may clone elsewhere, so the
# workplace's own copy is the fallback.
PEER=""
for candidate in "${OPENSTACK_PEER_TOOLS:-}" "$ROOT/../shared/tools/openstack-peer" /work/shared/tools/openstack-peer; do
  if [ -n "$candidate" ] && [ -f "$candidate/up.sh" ]; then
    PEER=$candidate
    break
  fi
done
if [ -z "$PEER" ]; then
  echo "openstack-peer.sh: cannot find tools/openstack-peer (set OPENSTACK_PEER_TOOLS)" >&2
  exit 1
fi
STATE=${OSP_STATE:-/var/tmp/openstack-peer}

# The peer's up.sh runs mariadb-install-db without --no-defaults, so on a machine whose
# /etc/mysql/my.cnf says "user = mysql" (a system MariaDB already installed) the install runs
# as mysql, cannot write the root-owned data directory, and up.sh stops. Initialising the
# directory first, ignoring the system config, makes up.sh skip that step.
prepare_database() {
  if [ -d "$STATE/mysql/mysql" ] || ! command -v mariadb-install-db >/dev/null; then
    return 0
  fi
  mkdir -p "$STATE/mysql" "$STATE/log"
  mariadb-install-db --no-defaults --datadir="$STATE/mysql" --user=root \
    --auth-root-authentication-method=socket --skip-test-db > "$STATE/log/mariadb-install.log" 2>&1 \
    || { tail -20 "$STATE/log/mariadb-install.log"; return 1; }
}

case "${1:-}" in
  up)
    prepare_database
    started=$(date +%s)
    bash "$PEER/up.sh" || { prepare_database && bash "$PEER/up.sh"; }
    echo "openstack peer up in $(( $(date +%s) - started ))s"
    ;;
  down)
    bash "$PEER/down.sh"
    ;;
  status)
    curl -sf -o /dev/null http://127.0.0.1:5000/v3 && echo "keystone up" || { echo "keystone down"; exit 1; }
    ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
