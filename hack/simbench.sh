#!/usr/bin/env bash
# The control plane at scale on simulated nodes: starts `kite server --simulated-nodes`
# on a temporary data dir and a free loopback port, and runs hack/simbench against it:
#   1. scheduling throughput: SCHED_NODES (1000) nodes, SCHED_PODS (10000) bare pods,
#      pods bound per second (target ≥ 500/s);
#   2. a DEPLOY_REPLICAS (1000) replica Deployment on DEPLOY_NODES (100) nodes, time to
#      Available (target < 15 s).
# Each phase runs on its own fresh server, which is stopped (by its PID) and removed
# afterwards. Nothing leaves 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHED_NODES=${SCHED_NODES:-1000}
SCHED_PODS=${SCHED_PODS:-10000}
DEPLOY_NODES=${DEPLOY_NODES:-100}
DEPLOY_REPLICAS=${DEPLOY_REPLICAS:-1000}
GO=${GO:-go}

work=$(mktemp -d -t kite-simbench-XXXXXX)
pid=""
stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
}
trap 'stop; rm -rf "$work"' EXIT

$GO build -o "$work/kite" ./cmd/kite
$GO build -o "$work/simbench" ./hack/simbench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# phase NAME NODES SIMBENCH-ARGS...
phase() {
	local name=$1 nodes=$2
	shift 2
	local dir="$work/$name" port
	port=$(free_port)
	mkdir -p "$dir"
	"$work/kite" server --data-dir "$dir/data" --bind-address 127.0.0.1 --secure-port "$port" \
		--simulated-nodes "$nodes" 2>"$dir/kite.log" &
	pid=$!
	for _ in $(seq 1 200); do
		[ -f "$dir/data/kubeconfig" ] && curl -sk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	echo "== $name: kite server --simulated-nodes $nodes (pid $pid)"
	set +e
	"$work/simbench" -kubeconfig "$dir/data/kubeconfig" -nodes "$nodes" "$@"
	local status=$?
	set -e
	if [ -r "/proc/$pid/status" ]; then
		echo "$name: kite RSS $(awk '/VmHWM/ {print $2/1024 " MiB peak"}' "/proc/$pid/status")"
	fi
	stop
	if [ $status -ne 0 ]; then
		echo "$name failed; the server's log tail:"
		tail -20 "$dir/kite.log"
		return $status
	fi
}

phase schedule "$SCHED_NODES" -mode schedule -pods "$SCHED_PODS"
phase deployment "$DEPLOY_NODES" -mode deployment -replicas "$DEPLOY_REPLICAS"
