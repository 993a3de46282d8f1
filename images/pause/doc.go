// Package pause is Kite's pod sandbox image, built into the kite binary: the process
// that is PID 1 of every pod's sandbox and holds the pod's namespaces open while its
// containers come and go.
//
// The program does what upstream's pause does and nothing more: it blocks SIGINT,
// SIGTERM and SIGCHLD, waits for them with rt_sigtimedwait, reaps every exited child on
// SIGCHLD (as PID 1 of a shared PID namespace it inherits the orphans) and exits 0 on
// SIGINT or SIGTERM. Waiting on blocked signals rather than installing handlers matters
// for PID 1: the kernel drops a signal sent to a namespace's init when the signal has
// its default action, but never one that is blocked.
//
// Why it is a few hundred bytes of machine code in a Go byte slice: the image must be
// importable on every node, with no tarball, no registry and no toolchain, from a kite
// binary built with a plain `go build` on a fresh clone. A Go pause is about 1 MiB and
// its bytes change with every Go release, so committing one would need a generator and
// a verify step tied to one toolchain; compiling C or assembly at run time needs a
// toolchain on the node. There is one program per architecture: 112 bytes of x86-64
// code and data (source testdata/pause_amd64.s) and 128 bytes of AArch64 (source
// testdata/pause_arm64.s), each in a static ELF file of two program headers. The tests
// reassemble each source with the GNU assembler for its architecture (binutils, and
// binutils-aarch64-linux-gnu on an amd64 host) and check it gives exactly the committed
// bytes, and run each program, natively or under qemu's user-mode emulator (qemu-user),
// to check its behaviour. The arm64 load segment is aligned to 64 KiB, so one file loads
// on kernels with 4, 16 or 64 KiB pages. Other architectures have no built-in pause
// (Program says so); their nodes need a pause tarball among their images.
//
// The image is reproducible: for an architecture, the same bytes, timestamps and config
// every time, so every kite binary of the same Version imports the same image ID and a
// node that has it imports nothing. Called by kubelet/images (imported at every agent start) and by
// hack/images (pause.tar among the built tarballs).
package pause
