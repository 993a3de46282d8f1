package quota

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The quota names of the three kinds whose usage depends on their spec. Every other
// kind is only counted.
const (
	countPods     = "count/pods"
	countServices = "count/services"
	countClaims   = "count/persistentvolumeclaims"

	storageClassSuffix = ".storageclass.storage.k8s.io/"
)

// LegacyCounts are the object-count names that predate count/<resource>.<group>.
var LegacyCounts = map[corev1.ResourceName]schema.GroupResource{
	corev1.ResourceConfigMaps:             {Resource: "configmaps"},
	corev1.ResourceSecrets:                {Resource: "secrets"},
	corev1.ResourceReplicationControllers: {Resource: "replicationcontrollers"},
	corev1.ResourceQuotas:                 {Resource: "resourcequotas"},
}

// IsPodResource reports whether pods are what name measures: their number, or the
// compute resources they request or limit.
func IsPodResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourcePods, countPods, corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsEphemeralStorage, corev1.ResourceLimitsEphemeralStorage,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory:
		return true
	case corev1.ResourceRequestsStorage:
		return false
	}
	s := string(name)
	return strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) || strings.HasPrefix(s, corev1.ResourceRequestsHugePagesPrefix) ||
		strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) && !strings.Contains(s, storageClassSuffix)
}

// IsServiceResource reports whether services are what name measures.
func IsServiceResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceServices, countServices, corev1.ResourceServicesLoadBalancers, corev1.ResourceServicesNodePorts:
		return true
	}
	return false
}

// IsClaimResource reports whether PersistentVolumeClaims are what name measures.
func IsClaimResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourcePersistentVolumeClaims, countClaims, corev1.ResourceRequestsStorage:
		return true
	}
	return strings.Contains(string(name), storageClassSuffix)
}

// CountedResource returns the resource whose objects name counts, for the names that
// are plain object counts (configmaps, count/deployments.apps, …).
func CountedResource(name corev1.ResourceName) (schema.GroupResource, bool) {
	if gr, ok := LegacyCounts[name]; ok {
		return gr, true
	}
	rest, ok := strings.CutPrefix(string(name), "count/")
	if !ok || rest == "" || IsPodResource(name) || IsServiceResource(name) || IsClaimResource(name) {
		return schema.GroupResource{}, false
	}
	r, g, _ := strings.Cut(rest, ".")
	return schema.GroupResource{Group: g, Resource: r}, true
}

func one() resource.Quantity { return *resource.NewQuantity(1, resource.DecimalSI) }

// PodCounts is upstream's rule for charging a pod's compute resources: terminal pods,
// and pods whose deletion grace period has run out (a lost node), no longer count.
func PodCounts(pod *corev1.Pod, now time.Time) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if pod.DeletionTimestamp != nil && pod.DeletionGracePeriodSeconds != nil {
		end := pod.DeletionTimestamp.Add(time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second)
		if now.After(end) {
			return false
		}
	}
	return true
}

// PodUsage is what pod uses of every pod quota name. count/pods counts every stored
// pod; the rest only pods that still count.
func PodUsage(pod *corev1.Pod, now time.Time) corev1.ResourceList {
	out := corev1.ResourceList{countPods: one()}
	if !PodCounts(pod, now) {
		return out
	}
	out[corev1.ResourcePods] = one()
	requests, limits := podRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Requests }),
		podRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Limits })
	// The RuntimeClass overhead comes on top of the requests, and of the limits that
	// are set.
	add(requests, pod.Spec.Overhead)
	for name, q := range pod.Spec.Overhead {
		if l, ok := limits[name]; ok {
			l.Add(q)
			limits[name] = l
		}
	}
	if pod.Spec.Resources != nil {
		// Pod-level resources, when given, bound the whole pod.
		for name, q := range pod.Spec.Resources.Requests {
			requests[name] = q.DeepCopy()
		}
		for name, q := range pod.Spec.Resources.Limits {
			limits[name] = q.DeepCopy()
		}
	}
	for name, q := range requests {
		switch {
		case name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage:
			out[name] = q.DeepCopy()
			out[corev1.DefaultResourceRequestsPrefix+name] = q.DeepCopy()
		case strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix):
			out[corev1.ResourceRequestsHugePagesPrefix+name[len(corev1.ResourceHugePagesPrefix):]] = q.DeepCopy()
		case strings.Contains(string(name), "/") && !strings.HasPrefix(string(name), "kubernetes.io/"):
			// An extended resource: only its requests are quota'd.
			out[corev1.DefaultResourceRequestsPrefix+name] = q.DeepCopy()
		}
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if q, ok := limits[name]; ok {
			out["limits."+name] = q.DeepCopy()
		}
	}
	return out
}

// podRequests sums one side (requests or limits) of a pod's containers as the
// scheduler does: app containers and sidecars (restartable init containers) run
// together, each ordinary init container runs alone beside the sidecars started before
// it, and the pod needs the larger of the two.
func podRequests(pod *corev1.Pod, side func(*corev1.Container) corev1.ResourceList) corev1.ResourceList {
	running := corev1.ResourceList{}
	for i := range pod.Spec.Containers {
		add(running, side(&pod.Spec.Containers[i]))
	}
	sidecars := corev1.ResourceList{}
	initPeak := corev1.ResourceList{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			add(sidecars, side(c))
			add(running, side(c))
			maxInto(initPeak, sidecars)
			continue
		}
		alone := corev1.ResourceList{}
		add(alone, sidecars)
		add(alone, side(c))
		maxInto(initPeak, alone)
	}
	maxInto(running, initPeak)
	return running
}

// add adds b into a.
func add(a, b corev1.ResourceList) {
	for name, q := range b {
		sum := a[name]
		sum.Add(q)
		a[name] = sum
	}
}

// maxInto raises every quantity of a to b's where b's is larger.
func maxInto(a, b corev1.ResourceList) {
	for name, q := range b {
		if cur, ok := a[name]; !ok || q.Cmp(cur) > 0 {
			a[name] = q.DeepCopy()
		}
	}
}

// ServiceUsage is what svc uses: one service, and its node ports when it has them
// (NodePort, and LoadBalancer unless it asks for none).
func ServiceUsage(svc *corev1.Service) corev1.ResourceList {
	out := corev1.ResourceList{
		countServices:                        one(),
		corev1.ResourceServices:              one(),
		corev1.ResourceServicesLoadBalancers: *resource.NewQuantity(0, resource.DecimalSI),
		corev1.ResourceServicesNodePorts:     *resource.NewQuantity(0, resource.DecimalSI),
	}
	ports := *resource.NewQuantity(int64(len(svc.Spec.Ports)), resource.DecimalSI)
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		out[corev1.ResourceServicesNodePorts] = ports
	case corev1.ServiceTypeLoadBalancer:
		if svc.Spec.AllocateLoadBalancerNodePorts == nil || *svc.Spec.AllocateLoadBalancerNodePorts {
			out[corev1.ResourceServicesNodePorts] = ports
		}
		out[corev1.ResourceServicesLoadBalancers] = one()
	}
	return out
}

// ClaimUsage is what pvc uses: one claim and its requested storage, in total and
// under its storage class.
func ClaimUsage(pvc *corev1.PersistentVolumeClaim) corev1.ResourceList {
	out := corev1.ResourceList{countClaims: one(), corev1.ResourcePersistentVolumeClaims: one()}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	if class != "" {
		out[corev1.ResourceName(class+storageClassSuffix+string(corev1.ResourcePersistentVolumeClaims))] = one()
	}
	storage, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	// A claim being expanded holds what it was given until the expansion ends.
	if alloc, has := pvc.Status.AllocatedResources[corev1.ResourceStorage]; has && (!ok || alloc.Cmp(storage) > 0) {
		storage, ok = alloc, true
	}
	if ok {
		out[corev1.ResourceRequestsStorage] = storage.DeepCopy()
		if class != "" {
			out[corev1.ResourceName(class+storageClassSuffix+string(corev1.ResourceRequestsStorage))] = storage.DeepCopy()
		}
	}
	return out
}

// CountUsage is what one object of gr uses: one of its count/<resource>.<group>, and
// one of its legacy count name when it has one.
func CountUsage(gr schema.GroupResource) corev1.ResourceList {
	count := corev1.ResourceName("count/" + gr.Resource)
	if gr.Group != "" {
		count += corev1.ResourceName("." + gr.Group)
	}
	usage := corev1.ResourceList{count: one()}
	for legacy, lgr := range LegacyCounts {
		if lgr == gr {
			usage[legacy] = one()
		}
	}
	return usage
}
