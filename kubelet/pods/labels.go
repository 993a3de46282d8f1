package pods

// The CRI labels and annotations Kite puts on sandboxes and containers: upstream's
// names, so tools that know kubelet's (crictl ps, say) read them.
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
	// labelManagedBy marks what this agent made, so it never touches other sandboxes
	// sharing the runtime.
	labelManagedBy = "io.kite.managed"

	annotationGrace        = "io.kubernetes.pod.terminationGracePeriod"
	annotationRestartCount = "io.kubernetes.container.restartCount"
)
