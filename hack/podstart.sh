#!/usr/bin/env bash
# make bench-podstart: the node agent's pod start-up latency and memory. Starts a fresh
# `kite server` with its node agent (its own containerd) on a temporary data dir and a
# free loopback port, importing the images of IMAGES_DIR (build/images), and runs
# hack/podstart against it: rounds of ROUNDS (1,30,100) pause pods, create → Ready per
# pod as a watch sees it (target for 100 pods: p50 < 1 s, p99 < 2 s), where the time
# goes, and the RSS of kite, its containerd and the shims. The same rounds first run on
# a server with one simulated node (no agent): the difference in RSS is the agent's
# share (target: < 80 MiB with 100 pods). Then PACED (100) pods are created one every
# INTERVAL (100ms), as upstream's node density test paces its pods, and reported in the
# same tables (row "100 @100ms"). The CPU table gives the CPU per pod of the agent's
# processes and the floor it sets: that CPU × pods / cores is the least time a burst can
# take on this machine. Extra arguments go to hack/podstart (-image, -command,
# -concurrency). The figures depend on the machine's load: say so with them.
#
# Only one node agent may run on a machine (it holds /run/kite/agent.lock); the server
# is stopped by its PID and `kite server --cleanup` removes its pods, containerd state,
# bridge and iptables chains afterwards. Nothing leaves 127.0.0.1 and the pod network.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-1,30,100}
PACED=${PACED:-100}
INTERVAL=${INTERVAL:-100ms}
IMAGES_DIR=${IMAGES_DIR:-build/images}
GO=${GO:-go}

if [ ! -f "$IMAGES_DIR/pause.tar" ]; then
	echo "podstart: no $IMAGES_DIR/pause.tar: run make images first" >&2
	exit 1
fi
work=$(mktemp -d -t kite-podstart-XXXXXX)
pid=""
stop() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
	# What the agent left on the host (pods, containerd, bridge, KITE- chains) goes.
	if [ -d "$work/data" ]; then
		"$work/kite" server --cleanup --data-dir "$work/data" >>"$work/cleanup.log" 2>&1 ||
			{ echo "podstart: kite server --cleanup failed:"; cat "$work/cleanup.log"; }
	fi
}
# KEEP_LOG=FILE keeps the agent server's log, for a look at where the time went.
trap 'stop; [ -z "${KEEP_LOG:-}" ] || cp "$work/data.log" "$KEEP_LOG" 2>/dev/null || true; rm -rf "$work"' EXIT

# KITE_BIN=PATH measures that kite binary instead of one built from this tree (to
# compare two builds).
if [ -n "${KITE_BIN:-}" ]; then
	cp "$KITE_BIN" "$work/kite"
else
	$GO build -o "$work/kite" ./cmd/kite
fi
$GO build -o "$work/podstart" ./hack/podstart

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server DIR FLAGS...: starts kite server on DIR and a free loopback port, sets
# pid, and waits for /readyz.
start_server() {
	local dir=$1 port
	shift
	port=$(free_port)
	"$work/kite" server --data-dir "$dir" --bind-address 127.0.0.1 --secure-port "$port" "$@" 2>"$dir.log" &
	pid=$!
	for _ in $(seq 1 300); do
		[ -f "$dir/kubeconfig" ] && curl -sk "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || { echo "podstart: kite server exited:"; tail -20 "$dir.log"; return 1; }
		sleep 0.1
	done
	echo "podstart: kite server not ready after 30s"; tail -20 "$dir.log"; return 1
}

# The baseline: the same rounds on a server whose node is simulated (API server,
# controllers, the same pods; no agent, no containerd), for the agent's share of RSS.
start_server "$work/sim" --simulated-nodes 1
echo "== baseline: kite server --simulated-nodes 1 (pid $pid)"
"$work/podstart" -kubeconfig "$work/sim/kubeconfig" -pid "$pid" -rounds "$ROUNDS" -save-rss "$work/sim.rss" "$@" >"$work/sim.out" ||
	{ cat "$work/sim.out"; exit 1; }
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""

start_server "$work/data" --kubelet-port "$(free_port)" --images "$IMAGES_DIR"
echo "== kite server with its node agent (pid $pid), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
set +e
"$work/podstart" -kubeconfig "$work/data/kubeconfig" -pid "$pid" -log "$work/data.log" -rounds "$ROUNDS" \
	-paced "$PACED" -interval "$INTERVAL" -baseline-rss "$work/sim.rss" "$@"
status=$?
set -e
if [ $status -ne 0 ]; then
	echo "podstart failed; the server's log tail:"
	tail -30 "$work/data.log"
fi
exit $status
