#!/usr/bin/env bash
# make bench: the storage benchmarks, Kite's Pebble store side by side with a single-node
# etcd (Debian's etcd-server, started by the benchmarks on loopback, fsync on), then the
# churn run that shows the store's disk use levelling off.
#
# Knobs (environment): BENCHTIME (go test -benchtime, default 2s), CHURN_DURATION
# (default 60s). The whole script takes about four minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCHTIME=${BENCHTIME:-2s}
CHURN_DURATION=${CHURN_DURATION:-60s}
GO=${GO:-go}

raw=$(mktemp -t kite-bench-XXXXXX.txt)
trap 'rm -f "$raw"' EXIT

if etcd_version=$(/usr/bin/etcd --version 2>/dev/null); then
	etcd_version=${etcd_version%%$'\n'*}
else
	etcd_version="no /usr/bin/etcd: run make deps"
fi
echo "== storage benchmarks: go test -bench . -benchtime $BENCHTIME ($(nproc) cores; $etcd_version)"
set +e
$GO test -run '^$' -bench . -benchtime "$BENCHTIME" -count 1 -timeout 20m ./storage/storagebench/ 2>&1 | tee "$raw"
bench_status=${PIPESTATUS[0]}
set -e

# The table: one row per measurement, kite (BenchmarkPebble) and etcd (BenchmarkEtcd)
# from the same sub-benchmark. The ratio always reads "kite is N× better/worse":
# kite/etcd for throughputs, etcd/kite for times.
echo
echo "== kite (pebble) vs etcd"
awk '
/^Benchmark(Pebble|Etcd)\// {
	name = $1
	sub(/-[0-9]+$/, "", name)            # the GOMAXPROCS suffix
	slash = index(name, "/")
	backend = substr(name, 10, slash - 10) # after "Benchmark"
	sub_ = substr(name, slash + 1)
	for (i = 3; i < NF; i += 2) v[backend, sub_, $(i + 1)] = $i
}
function cell(x, scale, fmt_) { return x == "" ? "-" : sprintf(fmt_, x / scale) }
function row(label, sub_, unit, scale, fmt_, higher,   k, e, r, verdict) {
	k = v["Pebble", sub_, unit]; e = v["Etcd", sub_, unit]
	verdict = "n/a"
	if (k != "" && e != "" && k > 0 && e > 0) {
		r = higher ? k / e : e / k
		verdict = r >= 1 ? sprintf("%.1f× better", r) : sprintf("%.1f× worse", 1 / r)
	}
	printf "%-28s %16s %16s   %s\n", label, cell(k, scale, fmt_), cell(e, scale, fmt_), verdict
}
function target(what, x, ok, shown) {
	printf "target: %-40s %s (%s)\n", what, x == "" ? "NOT MEASURED" : (ok ? "met" : "MISSED"), x == "" ? "-" : shown
}
END {
	printf "%-28s %16s %16s   %s\n", "benchmark", "kite (pebble)", "etcd", "kite vs etcd"
	row("create, 1 writer (/s)",   "create/writers=1",  "creates/s", 1,   "%.0f", 1)
	row("create, 8 writers (/s)",  "create/writers=8",  "creates/s", 1,   "%.0f", 1)
	row("create, 64 writers (/s)", "create/writers=64", "creates/s", 1,   "%.0f", 1)
	row("get (us)",                "get",               "ns/op",     1e3, "%.1f", 0)
	row("list 10,000 keys (ms)",   "list-10k",          "ns/op",     1e6, "%.2f", 0)
	row("watch x100, p50 (us)",    "watch-100",         "p50-µs",    1,   "%.0f", 0)
	row("watch x100, p99 (us)",    "watch-100",         "p99-µs",    1,   "%.0f", 0)
	print ""
	c = v["Pebble", "create/writers=64", "creates/s"]
	target("creates/s at 64 writers >= 20,000", c, c >= 20000, sprintf("%.0f/s", c))
	l = v["Pebble", "list-10k", "ns/op"]
	target("list of 10,000 keys < 20 ms", l, l != "" && l < 20e6, sprintf("%.2f ms", l / 1e6))
}' "$raw"

echo
echo "== disk use under churn (go run ./hack/churn)"
$GO run ./hack/churn -keys 10000 -value 1024 -duration "$CHURN_DURATION" -history 10s -report 5s

echo
echo "== the API server under load (go run ./hack/apiload against a fresh kite server)"
# Issue 3's baseline, kube-apiserver 1.37.2 + etcd 3.7.0 on this kind of machine, same
# load: 1,760 creates/s at c=64, 3,450 gets/s, LIST of 10,000 in 120 ms p50, watch p99
# 35 ms with 100 watchers, deletecollection of 10,000 in 12 s, 576 MiB RSS after the run
# (318 MiB idle).
api_dir=$(mktemp -d -t kite-apibench-XXXXXX)
$GO build -o "$api_dir/kite" ./cmd/kite
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 16443)
"$api_dir/kite" server --data-dir "$api_dir/data" --bind-address 127.0.0.1 --secure-port "$port" --disable-agent >"$api_dir/kite.log" 2>&1 &
kite_pid=$!
trap 'kill "$kite_pid" 2>/dev/null; wait "$kite_pid" 2>/dev/null; rm -rf "$api_dir" "$raw"' EXIT
for _ in $(seq 100); do
	grep -q "kite: ready" "$api_dir/kite.log" && break
	sleep 0.1
done
# -clean-crud: the LISTs, deletecollection and RSS after the run see exactly the 10,000
# ConfigMaps the targets name, not those plus the create measurements' leftovers.
# RSS rows split anonymous memory (heap, stacks, Pebble) from file-backed pages, which
# are mostly kite's own executable image (about 88 MiB, mapped whole by recent
# kernels); "RSS 10s after the run" is what the server keeps once it is quiet. The
# "server CPU" rows are CPU-seconds per 10,000 creates, steadier than rates on a
# shared machine.
$GO run ./hack/apiload -kubeconfig "$api_dir/data/kubeconfig" -pid "$kite_pid" -objects "${API_OBJECTS:-10000}" -clean-crud

if ((bench_status != 0)); then
	echo "bench: go test -bench failed (status $bench_status); see its output above" >&2
	exit "$bench_status"
fi
