package scheduler

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Defaults upstream's scorers assume for a container that requests no CPU or memory,
// so that best-effort pods still spread instead of piling onto one node. Filters never
// use them: a pod requesting nothing fits anywhere with room for one more pod.
const (
	defaultMilliCPURequest int64 = 100               // 0.1 core
	defaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// Resource is an amount of each resource the scheduler accounts for.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	// AllowedPods is the node's pod capacity; unused for requests.
	AllowedPods int64
	// Scalar holds extended resources (example.com/gpu, hugepages-2Mi, ...).
	Scalar map[corev1.ResourceName]int64
}

// add adds o to r.
func (r *Resource) add(o Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[corev1.ResourceName]int64{}
		}
		r.Scalar[k] += v
	}
}

// sub subtracts o from r.
func (r *Resource) sub(o Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	for k, v := range o.Scalar {
		if r.Scalar != nil {
			r.Scalar[k] -= v
		}
	}
}

func (r Resource) clone() Resource {
	out := r
	if r.Scalar != nil {
		out.Scalar = make(map[corev1.ResourceName]int64, len(r.Scalar))
		for k, v := range r.Scalar {
			out.Scalar[k] = v
		}
	}
	return out
}

// max sets each amount of r to the larger of r's and o's.
func (r *Resource) max(o Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	for k, v := range o.Scalar {
		if r.Scalar == nil {
			r.Scalar = map[corev1.ResourceName]int64{}
		}
		r.Scalar[k] = max(r.Scalar[k], v)
	}
}

// resourceFromList reads a ResourceList; nonZero fills in the scorers' defaults for
// CPU and memory when absent.
func resourceFromList(l corev1.ResourceList, nonZero bool) Resource {
	var r Resource
	for name, q := range l {
		switch name {
		case corev1.ResourceCPU:
			r.MilliCPU = q.MilliValue()
		case corev1.ResourceMemory:
			r.Memory = q.Value()
		case corev1.ResourceEphemeralStorage:
			r.EphemeralStorage = q.Value()
		case corev1.ResourcePods:
			r.AllowedPods = q.Value()
		default:
			if isScalarResource(name) {
				if r.Scalar == nil {
					r.Scalar = map[corev1.ResourceName]int64{}
				}
				r.Scalar[name] = q.Value()
			}
		}
	}
	if nonZero {
		if _, ok := l[corev1.ResourceCPU]; !ok {
			r.MilliCPU = defaultMilliCPURequest
		}
		if _, ok := l[corev1.ResourceMemory]; !ok {
			r.Memory = defaultMemoryRequest
		}
	}
	return r
}

// isScalarResource: extended resources (any name with a domain, example.com/gpu),
// prefixed native ones and hugepages are counted like upstream's ScalarResources.
func isScalarResource(name corev1.ResourceName) bool {
	s := string(name)
	return strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		(strings.Contains(s, "/") && !strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix))
}

// podRequests is what the pod takes from a node while it runs, as upstream computes
// it: the larger of the app containers' sum (plus restartable init containers, the
// sidecars, which keep running) and the peak while init containers run one by one
// (each plus the sidecars started before it), plus the pod's overhead. Pod-level
// requests, when given, replace the containers' CPU and memory. nonZero uses the
// scorers' defaults for containers that request no CPU or memory.
func podRequests(pod *corev1.Pod, nonZero bool) Resource {
	var apps Resource
	for i := range pod.Spec.Containers {
		apps.add(resourceFromList(pod.Spec.Containers[i].Resources.Requests, nonZero))
	}
	var sidecars, initPeak Resource
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		req := resourceFromList(c.Resources.Requests, nonZero)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars.add(req)
			initPeak.max(sidecars)
			continue
		}
		during := sidecars.clone()
		during.add(req)
		initPeak.max(during)
	}
	total := apps
	total.add(sidecars)
	total.max(initPeak)
	if pr := pod.Spec.Resources; pr != nil {
		// Pod-level requests bound the whole pod: they stand for CPU and memory.
		if q, ok := pr.Requests[corev1.ResourceCPU]; ok {
			total.MilliCPU = q.MilliValue()
		}
		if q, ok := pr.Requests[corev1.ResourceMemory]; ok {
			total.Memory = q.Value()
		}
	}
	if pod.Spec.Overhead != nil {
		total.add(resourceFromList(pod.Spec.Overhead, false))
	}
	return total
}
