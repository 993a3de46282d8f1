// Command busyboxsh is /bin/sh in kite's busybox image.
//
// Upstream's image is busybox 1.37, whose ash keeps environment variables whose names
// are not shell identifiers ("data-1") and hands them on to the commands it runs; the
// conformance specs of ConfigMaps and Secrets as environment run `sh -c env` and look
// for "data-1=value-1". Debian's busybox 1.35, which kite's image is built from, drops
// them as its ash starts. So this program runs busybox's ash, as upstream's image would
// (same messages, same behaviour), unless the environment holds such a variable; then
// it runs bash in POSIX mode, which keeps them.
package main
