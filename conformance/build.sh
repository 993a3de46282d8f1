#!/usr/bin/env bash
# Builds the upstream conformance suite (e2e.test) and the ginkgo runner into
# conformance/bin/, from the k8s.io/kubernetes version pinned in conformance/go.mod.
#
# A cold build compiles most of Kubernetes: about 10 minutes on 2 cores and several GB of
# Go cache. So the build is skipped when both binaries exist and bin/.stamp records the
# same go.mod/go.sum hash and Go version; `--force` rebuilds anyway. A lock file makes a
# second build started meanwhile wait for the first instead of competing for the cores.
#
# Usage: conformance/build.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin"
stamp="$bin/.stamp"
force=false
case "${1:-}" in
	--force) force=true ;;
	"") ;;
	*) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

cd "$here"
# The conformance module stands alone: no workspace may pull the root module in.
export GOWORK=off
# Two cores: at most two compiles at a time, so others on the machine keep working.
# No VCS stamping: the binaries carry the upstream version through -ldflags instead.
GOFLAGS="${GOFLAGS:-}"
case " $GOFLAGS " in *" -p="*) ;; *) GOFLAGS="$GOFLAGS -p=2" ;; esac
case " $GOFLAGS " in *" -buildvcs="*) ;; *) GOFLAGS="$GOFLAGS -buildvcs=false" ;; esac
GOFLAGS="${GOFLAGS# }"
export GOFLAGS

mkdir -p "$bin"
exec 9>"$bin/.build.lock"
if ! flock -n 9; then
	echo "conformance: another build is running; waiting for it to finish"
	flock 9
fi

k8s_version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
want="mod=$(cat go.mod go.sum | sha256sum | cut -d' ' -f1) go=$(go env GOVERSION) kubernetes=$k8s_version"
if ! $force && [[ -x "$bin/e2e.test" && -x "$bin/ginkgo" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "conformance: e2e.test and ginkgo $k8s_version are up to date in $bin (delete $stamp or pass --force to rebuild)"
	exit 0
fi
rm -f "$stamp"

# hack/lib/version.sh stamps the version into these two packages. Without it e2e.test
# reports v0.0.0-master, which kubectl and the suite's own version checks cannot parse.
major="${k8s_version#v}"; major="${major%%.*}"
minor="${k8s_version#v*.}"; minor="${minor%%.*}"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ldflags=""
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
	ldflags+=" -X '$pkg.gitVersion=$k8s_version' -X '$pkg.gitMajor=$major' -X '$pkg.gitMinor=$minor'"
	ldflags+=" -X '$pkg.gitTreeState=clean' -X '$pkg.gitCommit=$k8s_version-from-module-proxy'"
	ldflags+=" -X '$pkg.buildDate=$build_date'"
done

start=$SECONDS
elapsed() { local s=$((SECONDS - ${1:-$start})); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# step NAME COMMAND... runs one build command and prints a line every 30 s while it
# runs, so a long compile is visibly alive.
step() {
	local name="$1"; shift
	local t0=$SECONDS
	echo "conformance: [$(elapsed)] building $name ..."
	"$@" &
	local pid=$!
	(
		# The sleep must not outlive the ticker: it would hold a pipe on our stdout open.
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		while :; do
			sleep 30 >/dev/null 2>&1 &
			s=$!
			wait "$s"
			echo "conformance: [$(elapsed)] still building $name ($(elapsed "$t0") for this step)"
		done
	) &
	local ticker=$!
	local rc=0
	wait "$pid" || rc=$?
	kill "$ticker" 2>/dev/null || true
	wait "$ticker" 2>/dev/null || true
	if ((rc != 0)); then
		echo "conformance: [$(elapsed)] building $name FAILED (exit $rc)" >&2
		exit "$rc"
	fi
	echo "conformance: [$(elapsed)] built $name in $(elapsed "$t0")"
}

echo "conformance: building the Kubernetes $k8s_version conformance suite into $bin"
echo "conformance: a cold build takes about 10 minutes on 2 cores (GOFLAGS=$GOFLAGS)"
step "module download" go mod download
step ginkgo go build -o "$bin/ginkgo" github.com/onsi/ginkgo/v2/ginkgo
step e2e.test go test -c -ldflags "$ldflags" -o "$bin/e2e.test" k8s.io/kubernetes/test/e2e

got="$("$bin/e2e.test" --version 2>&1 | tail -n 1)"
case "$got" in
	*"$k8s_version"*) ;;
	*) echo "conformance: e2e.test --version printed '$got', not $k8s_version" >&2; exit 1 ;;
esac
# images.txt names the images the conformance specs use; a new Kubernetes version may
# move their tags, and then images.txt must follow.
listed="$("$bin/e2e.test" --list-images 2>/dev/null)"
while read -r image; do
	[[ -z "$image" || "$image" == \#* ]] && continue
	grep -qxF "$image" <<<"$listed" ||
		echo "conformance: WARNING: images.txt names $image, which e2e.test --list-images does not list" >&2
done <"$here/images.txt"
echo "$want" >"$stamp"
echo "conformance: [$(elapsed)] done: $("$bin/ginkgo" version), e2e.test $got"
