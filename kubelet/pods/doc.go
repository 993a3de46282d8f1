// Package pods runs the pods bound to this node: it watches them through the API, makes
// each one's sandbox and containers through CRI, restarts containers as the pod's
// restartPolicy says (with upstream's back-off), reports status through pods/status,
// and tears everything down when the pod is deleted.
//
// The shape is upstream kubelet's, small: informer handlers only record the pod and
// enqueue its UID; workers call sync(uid), which compares the pod's spec with what the
// runtime has (read fresh from CRI) and takes the next steps; a relist every second
// (a small PLEG) enqueues the pods whose runtime state changed, so container exits are
// noticed, and finds sandboxes whose pod is gone. The runtime is the only record of
// what runs: an agent that restarts adopts the running pods from CRI labels.
//
// Invariants: one sync per pod at a time (the work queue guarantees it); containers are
// found by CRI labels (io.kubernetes.pod.uid, io.kubernetes.container.name) and their
// attempt number, which is also the restart count; a pod object with a deletion
// timestamp is removed (grace 0, UID precondition) only after its containers and
// sandbox are gone.
//
// Called by kubelet (the agent). It reaches the cluster through client-go and the
// runtime through the runtimeapi interfaces that kubelet/cri provides.
package pods
