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

case "${1:-}" in
  up)
    started=$(date +%s)
    bash "$PEER/up.sh"
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
