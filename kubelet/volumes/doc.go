// Package volumes makes a pod's volumes exist on the node and tears them down, as
// upstream kubelet's volume manager does for the volume kinds a single node needs:
// emptyDir (on disk, or a tmpfs for medium Memory), configMap, secret, downwardAPI,
// projected (service-account tokens included), hostPath and persistentVolumeClaim
// bound to a hostPath or local PersistentVolume.
//
// Every volume the package makes lives under Root/<pod uid>/volumes/<kind>/<name>
// (kind is upstream's plugin directory name, kubernetes.io~configmap say), so a pod's
// whole footprint is one directory, and nothing outside it is ever created or removed
// (hostPath volumes are the user's and only checked, or created for the *OrCreate
// types). The files of configMap, secret, downwardAPI and projected volumes are written
// by an atomic writer (writer.go) exactly as upstream lays them out: a timestamped
// directory, a "..data" symlink that is swapped in one rename, and per-key symlinks
// through it, so a container sees either the old or the new set of files, never a mix,
// and an update reaches files that are already mounted.
//
// Invariants: Setup is idempotent and cheap when nothing changed (a writer that finds
// the same payload writes nothing), so callers run it on every pod sync; Teardown
// unmounts what Setup mounted before it removes the pod's directory, and refuses to
// remove a directory that is still a mount point. Teardown is cheap when repeated: it
// reads the mount table (long on a node with a hundred pods) only while the pod's
// directory exists, and reads it again only to check what it unmounted.
//
// LocalPath (localpath.go) is the node's part of the local-path provisioner's Delete
// reclaim (controllers/localpath): it announces the node's storage directory
// (<data-dir>/storage) on the Node, and when a volume of the provisioner on its node is
// being deleted with the kite.io/local-path-cleanup finalizer, removes the volume's
// directory (only the exact path the provisioner makes for that claim under that
// directory, and only for a Released volume with policy Delete), then the finalizer.
// kubelet.Run starts it for the real node; kubelet/simulated starts it without a
// directory, so simulated nodes only remove the finalizer.
//
// Called by kubelet/pods before a pod's containers start and on each resync, and when
// the pod is torn down. It reaches the cluster only through client-go.
package volumes
