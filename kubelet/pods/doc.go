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
// Before a pod's sandbox is made, and on every sync of a running pod (at least every
// VolumeRefresh), kubelet/volumes sets up its volumes, so ConfigMap, Secret, token and
// downward API updates reach mounted files. A container's configuration adds what
// upstream's kubelet adds: its environment (envFrom, ConfigMap and Secret keys, pod
// fields, resources, service link variables, $(VAR) expansion; a reference to what does
// not exist is a CreateContainerConfigError), its volume mounts (subPath, subPathExpr,
// readOnly, propagation), the pod's managed /etc/hosts and a termination message file,
// read into the status when it exits. The service link variables come from an informer
// on every namespace's Services (services.go), as upstream's kubelet takes them from its
// service lister, so a container start asks the API server nothing for them.
//
// Sidecars (init containers with restartPolicy Always, sidecar.go) are upstream's: the
// next init container waits only until a sidecar has started (its startup probe
// passed), then it runs beside the regular containers, probed like them and counted
// for the pod's readiness; it is restarted whenever it exits, stopped once the regular
// containers are done for good, and on termination gets its stop signal only after the
// regular containers and the sidecars after it stopped (preStop hooks all start at once).
//
// Ephemeral containers (pods/ephemeralcontainers, `kubectl debug`) start once in the
// pod's sandbox as soon as they appear in its spec, join the process namespace of their
// targetContainerName, are never restarted and are reported in
// status.ephemeralContainerStatuses (ephemeral.go). A container not created yet waits
// as PodInitializing when the pod has init containers, else as ContainerCreating.
//
// Probes and lifecycle hooks are upstream's: one worker per probe of each running
// container attempt (probeworker.go) runs it through kubelet/probe every periodSeconds,
// applies initialDelaySeconds and the thresholds, and enqueues the pod when its result
// changes; the sync then reports started and ready (the startup probe gates the others,
// readiness drives the Ready and ContainersReady conditions) and kills a container whose
// liveness or startup probe failed, which restartPolicy then restarts. postStart runs
// right after a container starts (a failure kills it); preStop runs before every stop,
// within the grace period, and the stop gets what is left of it (at least 2s). A pod
// active longer than its activeDeadlineSeconds is killed and marked Failed
// (DeadlineExceeded).
//
// In-place resizes (resize.go) are upstream's: a running container's new cpu and memory
// are admitted against the node's allocatable (else PodResizePending, Infeasible or
// Deferred), then applied through CRI UpdateContainerResources, or by restarting the
// container where its resizePolicy says RestartContainer; the status reports each
// container's allocatedResources and resources and the pod's observedGeneration.
//
// A pod being torn down (deleted, or gone from the API) is synced on a goroutine of its
// own rather than by one of the Workers, as upstream's kubelet gives each pod its own
// worker: a namespace of a hundred pods waits out their grace periods and the runtime's
// network teardown side by side, and pods that start meanwhile are not held up. Its
// sandbox is stopped once: every StopPodSandbox runs the whole CNI DEL chain again in
// containerd (portmap's iptables included), so the removal skips the stop of a sandbox
// the agent stopped already. Each deletion's "pod deleted" log line gives its steps'
// durations (steps.go), which hack/podstart reports.
//
// Invariants: one sync per pod at a time (the work queue guarantees it); containers are
// found by CRI labels (io.kubernetes.pod.uid, io.kubernetes.container.name) and their
// attempt number, which is also the restart count; a pod object with a deletion
// timestamp is removed (grace 0, UID precondition) only after its containers and
// sandbox are gone, and after its status reported a terminal phase (final.go), so a
// pod that finalizers keep shows how it ended.
//
// Called by kubelet (the agent). It reaches the cluster through client-go and the
// runtime through the runtimeapi interfaces that kubelet/cri provides.
package pods
