// Package containerd runs the node's own containerd: the configuration Kite writes for
// it, the process that Kite starts, supervises and stops, and the import of image
// tarballs into it.
//
// Everything containerd keeps lives under one directory (Config.Dir, DATA/containerd):
// its config, root, state, socket, log and pid file, so `kite server --cleanup` can
// remove it all. The CRI plugin is configured for Kite: its pause image as the sandbox
// image, the CNI configuration directory Kite writes, the cgroupfs driver.
//
// Invariants: at most one containerd runs per directory. Start adopts a containerd that
// a previous agent left running on the same directory (its pid file names a live
// containerd with this configuration) instead of starting a second one; containers
// survive an agent restart because containerd and its shims outlive the agent when it
// is killed.
//
// Called by kubelet (the agent) and by its cleanup. It never dials CRI itself; the
// import shells out to containerd's own ctr, which speaks containerd's native API.
package containerd
