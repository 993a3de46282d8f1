// Package images preloads image tarballs into the node's runtime: every OCI or docker
// archive tarball (*.tar) in the agent's image directories is imported at agent start,
// so nodes that cannot reach a registry still run pods. Before the tarballs comes the
// image built into kite itself, the pause image of package kite/images/pause, so that a
// node with no tarball at all still has its sandbox image.
//
// Import is idempotent and cheap when nothing changed: a tarball whose every tag is
// already present in the runtime with the same image ID (its config digest) is skipped
// without being read past its index. Progress is logged per tarball.
//
// The package decides what to import; the runtime access is injected (Config.Lookup and
// Config.Import), so it is tested without containerd. Called by kubelet at agent start,
// in the background.
package images
