#!/usr/bin/env bash
# install-deps.sh installs the Debian packages Kite needs on the host: the container
# runtime its node agent drives, the tools its proxy programs the kernel with, a static
# busybox (with a static bash as its image's sh), nginx, curl, dig and OpenBSD's nc for the images hack/images builds, and an etcd server for
# the etcd backend's tests (and the conformance etcd image), and the arm64 assembler
# and qemu's user-mode emulator with which images/pause's tests check the arm64 pause.
#
# It is run by `make deps` and, through it, by `make run` and `make test`, so it must be
# cheap when everything is already there: one dpkg-query, no apt-get, one line of output.
# It is idempotent. It works on a fresh Debian 12 machine as root, or with sudo otherwise.
set -euo pipefail

packages=(
	containerd
	runc
	containernetworking-plugins
	iptables
	iproute2
	conntrack
	busybox-static
	bash-static
	nginx
	curl
	bind9-dnsutils
	netcat-openbsd
	etcd-server
	# images/pause's tests: assemble the arm64 pause and run it under emulation.
	binutils-aarch64-linux-gnu
	qemu-user
)

# installed prints the packages of "$@" that dpkg knows as fully installed. A package
# that was removed but left its config files ("deinstall ok config-files") or failed
# half-way does not count, so it is installed again. dpkg-query fails when it has never
# heard of one of the packages; that only means the package is missing.
installed() {
	{ dpkg-query --show --showformat='${db:Status-Status} ${Package}\n' "$@" 2>/dev/null || true; } |
		awk '$1 == "installed" { print $2 }'
}

missing=()
have=" $(installed "${packages[@]}" | tr '\n' ' ') "
for p in "${packages[@]}"; do
	[[ "$have" == *" $p "* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "kite deps: all present (${packages[*]})"
	exit 0
fi

as_root=()
if ((EUID != 0)); then
	if ! command -v sudo >/dev/null; then
		echo "kite deps: missing ${missing[*]}; run this script as root (sudo is not installed)" >&2
		exit 1
	fi
	as_root=(sudo)
fi

# apt's own chatter goes to a log that is shown only when something fails, so a
# successful install stays one line.
log="$(mktemp -t kite-deps.XXXXXX)"
trap 'rm -f "$log"' EXIT
if ! {
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
		"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends -o Dpkg::Options::=--force-confold "${missing[@]}"
} >"$log" 2>&1; then
	cat "$log" >&2
	echo "kite deps: failed to install ${missing[*]}" >&2
	exit 1
fi

# Kite starts its own containerd and etcd under its data directory, on its own sockets
# and ports, and runs nginx only inside images. The Debian packages start theirs on
# install on machines where services start, and those would hold the default sockets and
# ports (nginx port 80), so stop and disable them.
# Failures are harmless: on a machine without systemd (a container) they usually did
# not start, and where a SysV script started etcd, its stop action ends it.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
	"${as_root[@]}" systemctl disable --now etcd containerd nginx >/dev/null 2>&1 || true
else
	if [[ -x /etc/init.d/etcd && " ${missing[*]} " == *" etcd-server "* ]]; then
		"${as_root[@]}" /etc/init.d/etcd stop >/dev/null 2>&1 || true
	fi
	if [[ -x /etc/init.d/nginx && " ${missing[*]} " == *" nginx "* ]]; then
		"${as_root[@]}" /etc/init.d/nginx stop >/dev/null 2>&1 || true
	fi
fi

echo "kite deps: installed ${missing[*]}"
