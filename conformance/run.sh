#!/usr/bin/env bash
# Runs the upstream conformance specs against a cluster and keeps score.
#
#   conformance/run.sh          the [Conformance] specs (FOCUS/SKIP narrow them)
#   conformance/run.sh --gate   exactly the specs in gate.txt (a sample of passing.txt that
#                               needs no node agent); fails if any fails
#
# Environment:
#   FOCUS, SKIP    ginkgo regexes matched against "Kubernetes e2e suite <spec name>";
#                  a run with either set is partial: its STATUS.md stays in the results dir
#   KUBECONFIG     run against that cluster; unset, a fresh `kite server` is started on a
#                  temporary data dir and stopped (by PID) when the run ends
#   PROCS          ginkgo processes (default 4: the specs mostly wait on the server, so
#                  4 keep 2 cores busy without starving the server they test)
#   TIMEOUT        ginkgo's limit for the whole suite (default 75m; 20m for --gate)
#   RUN_SKIPPED=1  also run the specs skip.txt skips (a second node or a registry exists)
#   E2E_ARGS       extra arguments for e2e.test
#   KUBECTL        the kubectl the kubectl specs use (default kubectl.1.33 beside `kubectl`)
#   KITE_REV       build kite from this git revision (e.g. HEAD) rather than the work tree,
#                  so the score belongs to a commit while others edit the tree; the source
#                  comes from `git archive`, which leaves the repository untouched
#
# Results go to conformance/results/<timestamp>/: junit.xml, ginkgo.log, kite.log,
# STATUS.md. A full run against Kite also rewrites conformance/STATUS.md; every run
# against Kite adds its newly passing specs to conformance/passing.txt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$here/bin"
gate=false
case "${1:-}" in
	--gate) gate=true ;;
	"") ;;
	*) echo "usage: $0 [--gate]" >&2; exit 2 ;;
esac
say() { echo "conformance: $*"; }
export GOWORK=off

# The gate runs what gate.txt lists. With nothing listed there is nothing to guard,
# and building e2e.test (about 10 minutes) to run no spec would only cost CI time.
specs_of() { grep -v -e '^#' -e '^[[:space:]]*$' "$1" | sort; }
if $gate; then
	if ! grep -qv -e '^#' -e '^[[:space:]]*$' "$here/gate.txt" 2>/dev/null; then
		say "gate.txt lists no spec yet, so the gate has nothing to check; not building e2e.test"
		exit 0
	fi
	# The gate guards passing specs only: one that left passing.txt (with its reason)
	# leaves gate.txt too.
	stray="$(comm -23 <(specs_of "$here/gate.txt") <(specs_of "$here/passing.txt"))"
	if [[ -n "$stray" ]]; then
		say "gate.txt lists specs that passing.txt does not:" >&2
		echo "$stray" >&2
		exit 1
	fi
fi

bash "$here/build.sh"
(cd "$here" && go build -o "$bin/report" ./cmd/report)
# Canonical spec names: the report uses them to read names back out of junit.xml, where
# ginkgo appends labels to each name.
if [[ ! -s "$bin/tests.txt" || "$bin/tests.txt" -ot "$bin/e2e.test" ]]; then
	"$bin/e2e.test" --list-tests >"$bin/tests.txt.tmp"
	mv "$bin/tests.txt.tmp" "$bin/tests.txt"
fi

results="$here/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$results"

if $gate; then
	focus="$("$bin/report" regex "$here/gate.txt")"
	focus_desc="the specs in gate.txt"
	user_skip=""
	timeout="${TIMEOUT:-20m}"
	full=false
else
	focus="${FOCUS:-\[Conformance\]}"
	focus_desc="$focus"
	user_skip="${SKIP:-}"
	timeout="${TIMEOUT:-75m}"
	full=true
	[[ -n "${FOCUS:-}" || -n "${SKIP:-}" || -n "${RUN_SKIPPED:-}" ]] && full=false
fi
skip="$user_skip"
if [[ -z "${RUN_SKIPPED:-}" ]]; then
	policy_skip="$("$bin/report" regex "$here/skip.txt")"
	skip="${skip:+$skip|}$policy_skip"
fi
procs="${PROCS:-4}"

# Which specs this run covers, asked of the suite itself (a dry run needs no cluster):
# the report counts every one of them, so a spec that never ran (the suite's set-up
# failed, or the run timed out) still counts as failed rather than vanishing. The policy
# skips are left out here so that the report can list them with their reasons.
"$bin/e2e.test" --ginkgo.dry-run --ginkgo.no-color --ginkgo.silence-skips \
	--ginkgo.focus="$focus" ${user_skip:+--ginkgo.skip="$user_skip"} \
	--ginkgo.junit-report="$results/selected.xml" >"$results/dry-run.log" 2>&1 ||
	{ say "the dry run of e2e.test failed; see $results/dry-run.log" >&2; exit 1; }
selected="$("$bin/report" count -tests "$bin/tests.txt" "$results/selected.xml")"
if $gate; then
	listed="$(grep -cv -e '^#' -e '^[[:space:]]*$' "$here/gate.txt")"
	if [[ "$selected" != "$listed" ]]; then
		say "gate.txt lists $listed specs but its focus selects $selected in this e2e.test; was a spec renamed?" >&2
		exit 1
	fi
fi

# The specs that run pods need the images listed in images.txt on the node, under
# their upstream names. hack/images builds them as tarballs into build/images/ (`make
# conformance` runs `make images conformance-images` first), and kite's node agent
# imports every tarball in <data-dir>/images/ when it starts; pod specs whose images
# are missing fail, and are counted as failed.
import_images() {
	local data_dir="$1" dir="$root/build/images" tars=()
	if [[ -d "$dir" ]]; then
		mapfile -t tars < <(find "$dir" -maxdepth 1 -type f \( -name '*.tar' -o -name '*.tar.gz' \) | sort)
	fi
	if ((${#tars[@]} == 0)); then
		say "no image tarballs in build/images/ yet: specs that start pods need the images in images.txt"
		return
	fi
	if [[ -z "$data_dir" ]]; then
		say "${#tars[@]} image tarballs in build/images/: import them into the nodes of KUBECONFIG's cluster yourself"
		return
	fi
	mkdir -p "$data_dir/images"
	ln -s "${tars[@]}" "$data_dir/images/"
	say "linked ${#tars[@]} image tarballs from build/images/ into the data dir's images/ for kite to import"
}

tmp=""
kite_pid=""
ginkgo_pid=""
cleanup() {
	local rc=$?
	trap '' INT TERM
	if [[ -n "$ginkgo_pid" ]] && kill -0 "$ginkgo_pid" 2>/dev/null; then
		# ginkgo and its e2e.test processes have a process group of their own; interrupt
		# it as Ctrl-C would, so ginkgo still cleans up and writes its report.
		say "interrupting ginkgo (process group $ginkgo_pid)"
		kill -INT -- "-$ginkgo_pid" 2>/dev/null || true
		stop_wait "$ginkgo_pid" 120 || kill -KILL -- "-$ginkgo_pid" 2>/dev/null || true
	fi
	if [[ -n "$kite_pid" ]] && kill -0 "$kite_pid" 2>/dev/null; then
		kill -TERM "$kite_pid" 2>/dev/null || true
		stop_wait "$kite_pid" 30 || kill -KILL "$kite_pid" 2>/dev/null || true
	fi
	if [[ -n "$kite_pid" ]] && ! $gate; then
		# The node agent's pods, containerd, bridge and iptables chains.
		"$kite_bin" server --cleanup --data-dir "$tmp/data" >/dev/null 2>&1 || true
	fi
	if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
	if ((rc >= 128)) && [[ -n "${results:-}" ]]; then
		say "interrupted; what ran so far is in $results"
	fi
	exit "$rc"
}
# stop_wait PID SECONDS: true once PID has exited, false if it is still there at the deadline.
stop_wait() {
	local deadline=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${KUBECONFIG:-}" ]]; then
	kubeconfig="$KUBECONFIG"
	target="the cluster of KUBECONFIG=$KUBECONFIG"
	import_images ""
else
	tmp="$(mktemp -d "${TMPDIR:-/tmp}/kite-conformance.XXXXXX")"
	mkdir -p "$tmp/data"
	kite_bin="$root/bin/kite"
	if [[ -n "${KITE_REV:-}" ]]; then
		# Resolved once: the report names this commit though HEAD moves during the run.
		kite_rev="$(git -C "$root" rev-parse --short "$KITE_REV")"
		mkdir "$tmp/src"
		git -C "$root" archive "$kite_rev" | tar -x -C "$tmp/src"
		kite_bin="$tmp/kite"
		(cd "$tmp/src" && go build -o "$kite_bin" ./cmd/kite)
		say "built kite from $KITE_REV ($kite_rev)"
	else
		(cd "$root" && go build -o bin/kite ./cmd/kite)
	fi
	import_images "$tmp/data"
	# Port 0: the server picks a free port itself and writes it into its kubeconfig, so
	# no other program can take the port between our choosing it and the server binding it.
	# setsid: a Ctrl-C reaches the server only through cleanup, after ginkgo has finished.
	# The gate's specs need only the API, controllers and scheduler: no node agent, so
	# CI starts no containerd for it.
	agent_flags=()
	if $gate; then agent_flags=(--disable-agent); fi
	setsid "$kite_bin" server --data-dir "$tmp/data" --bind-address 127.0.0.1 --secure-port 0 \
		"${agent_flags[@]}" >"$results/kite.log" 2>&1 &
	kite_pid=$!
	kubeconfig="$tmp/data/kubeconfig"
	target="a fresh kite server on 127.0.0.1 with a temporary data dir"
	say "kite server started (pid $kite_pid, data dir $tmp/data, log $results/kite.log)"
fi

kubectl="${KUBECTL:-}"
if [[ -z "$kubectl" ]]; then
	kubectl="$(command -v kubectl || true)"
	if [[ -n "$kubectl" && -x "$(dirname "$(readlink -f "$kubectl")")/kubectl.1.33" ]]; then
		kubectl="$(dirname "$(readlink -f "$kubectl")")/kubectl.1.33"
	fi
fi
[[ -n "$kubectl" ]] || { say "no kubectl found; set KUBECTL" >&2; exit 1; }

# Wait for the server to answer /readyz, with a deadline.
deadline=$((SECONDS + 60))
until [[ -s "$kubeconfig" ]] && "$kubectl" --kubeconfig "$kubeconfig" --request-timeout=2s get --raw /readyz >/dev/null 2>&1; do
	if [[ -n "$kite_pid" ]] && ! kill -0 "$kite_pid" 2>/dev/null; then
		say "kite server exited before it was ready; its log:" >&2
		tail -n 20 "$results/kite.log" >&2
		exit 1
	fi
	if ((SECONDS >= deadline)); then
		say "the server at $kubeconfig was not ready within 60s" >&2
		exit 1
	fi
	sleep 0.5
done
# With a node agent, its Node must be Ready before the specs start: the suite runs with
# --allowed-not-ready-nodes=-1, so it does not wait, and a spec that looks for a
# schedulable node at once would find none.
if [[ -n "$kite_pid" ]] && ! $gate; then
	deadline=$((SECONDS + 120))
	until "$kubectl" --kubeconfig "$kubeconfig" get nodes -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True; do
		if ((SECONDS >= deadline)); then
			say "no Node was Ready within 120s; the specs that run pods will fail" >&2
			break
		fi
		sleep 1
	done
fi
server_version="$("$kubectl" --kubeconfig "$kubeconfig" get --raw /version | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')"
# passing.txt and the committed STATUS.md keep Kite's score only: a comparison run
# against another cluster writes its report to the results dir alone.
kite=false
[[ "$server_version" == *+kite* ]] && kite=true

color=--no-color
[[ -t 1 ]] && color=
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
t0=$SECONDS
say "start $started: $selected specs ($focus_desc${user_skip:+, skip '$user_skip'}) against $target, server $server_version, $procs procs, timeout $timeout"
say "results in $results"
ginkgo_rc=0
# The tee ignores SIGINT so that a Ctrl-C does not cut ginkgo's output short while it
# is still writing its report.
setsid "$bin/ginkgo" run --procs="$procs" --timeout="$timeout" $color --silence-skips \
	--focus="$focus" ${skip:+--skip="$skip"} \
	--output-dir="$results" --junit-report=junit.xml \
	"$bin/e2e.test" -- \
	--kubeconfig="$kubeconfig" --provider=skeleton \
	--allowed-not-ready-nodes=-1 --num-nodes=1 --e2e-verify-service-account=false \
	--kubectl-path="$kubectl" --report-dir="$results" ${E2E_ARGS:-} \
	> >(trap '' INT; exec tee "$results/ginkgo.log") 2>&1 &
ginkgo_pid=$!
wait "$ginkgo_pid" || ginkgo_rc=$?
ginkgo_pid=""
duration=$((SECONDS - t0))

status_out=("$results/STATUS.md")
passing_arg=()
if $kite; then
	passing_arg=(-passing "$here/passing.txt")
	$full && status_out+=("$here/STATUS.md")
else
	say "the server is not Kite ($server_version): passing.txt and conformance/STATUS.md are left alone"
fi
if [[ ! -f "$results/junit.xml" ]]; then
	say "ginkgo (exit $ginkgo_rc) wrote no junit.xml; every selected spec counts as not run" >&2
fi
# Which code was scored: KITE_REV's commit, or HEAD plus whatever Go changes the work
# tree holds (the kite binary is built from the work tree).
if [[ -n "${kite_rev:-}" ]]; then
	commit="$kite_rev"
else
	commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	if [[ -n "$(git -C "$root" status --porcelain -- '*.go' go.mod go.sum ':(exclude)conformance' 2>/dev/null)" ]]; then
		commit+=" + uncommitted changes"
	fi
	[[ -n "${KUBECONFIG:-}" ]] && commit+=" (of this checkout; KUBECONFIG's server may differ)"
fi
report_rc=0
"$bin/report" status -tests "$bin/tests.txt" -selected "$results/selected.xml" \
	-junit "$results/junit.xml" -skip-list "$here/skip.txt" "${passing_arg[@]}" \
	-commit "$commit" \
	-started "$started" -duration "${duration}s" -target "$target" -server-version "$server_version" \
	-focus "$focus_desc" -skip "$user_skip" $($full && echo -full) \
	"${status_out[@]/#/-out=}" || report_rc=$?
exit "$report_rc"
