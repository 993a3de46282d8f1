// Command images builds the container images Kite's nodes, its tests and the upstream
// conformance specs use, as image tarballs (docker archive format, which containerd
// imports), without any registry: nodes here cannot reach one.
//
//	go run ./hack/images -out build/images [-group everyday|conformance|all] [NAME...]
//
// Each image is made from files already on the build machine, under the exact names
// the tests ask for, for the build machine's architecture. The everyday group (`make
// images`): pause, the program built into kite (kite/images/pause), so the tarball is
// the same image the node agent imports by itself; busybox from Debian's busybox-static with its applet links, /bin/sh being
// kite/images/busyboxsh, which runs busybox's ash or Debian's bash-static (see
// busyboxShell); nginx from
// Debian's nginx with the shared libraries ldd names, serving its welcome page on :80.
// The conformance group (`make conformance-images`): agnhost and nonewprivs' nnp built
// from k8s.io/kubernetes' Go sources in the conformance/ module (the main module never
// imports k8s.io/kubernetes), sample-apiserver from k8s.io/sample-apiserver at the
// module's staging version, nautilus and kitten (agnhost with a picture and the page
// data naming it, from upstream's test/images/<name>/html), glibc-dns-testing
// (Debian's dig and getent) and etcd (Debian's etcd), each on a busybox base.
//
// The layers are reproducible (fixed timestamps and owners), so the same inputs give
// the same image ID, and an image whose tarball already records the digest of its
// current inputs (the kite.build.inputs label; for pause, its image ID) is not built
// again: a run with nothing to do takes about a second.
//
// Called by `make images` and `make conformance-images`; the node agent imports what it
// writes (`kite server --images build/images`, or conformance/run.sh linking the
// tarballs into the data directory's images/).
package main
