// Command images builds the container images Kite's nodes and tests use, as image
// tarballs (docker archive format, which containerd imports), without any registry:
// nodes here cannot reach one.
//
//	go run ./hack/images -out build/images [NAME...]
//
// Each image is made from files already on the build machine: the pause image from
// Kite's own static Go program (images/pause), busybox from Debian's busybox-static with
// its applet links. The layers are reproducible (fixed timestamps and owners), so the
// same inputs give the same image ID, and an image whose tarball already records the
// digest of its current inputs (the kite.build.inputs label) is not built again: a run
// with nothing to do takes milliseconds.
//
// Called by `make images`; the node agent imports what it writes (`kite server --images
// build/images`).
package main
