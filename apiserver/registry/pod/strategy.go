package pod

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/podspec"
)

// Strategy is the pod rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate starts a pod Pending with only its QoS class set, whatever status the
// client sent, as upstream does.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&pod.Spec)}
}

// PrepareForUpdate keeps the status: it changes only through /status.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Pod).Status = old.(*corev1.Pod).Status
}

// PrepareForStatusUpdate keeps the spec, and the observed generation a client left out.
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	pod.Spec = oldPod.Spec
	if pod.Status.ObservedGeneration == 0 {
		pod.Status.ObservedGeneration = oldPod.Status.ObservedGeneration
	}
}

// SpecChanged makes pod spec changes bump metadata.generation, as upstream does since
// pods track their observed generation.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*corev1.Pod).Spec, old.(*corev1.Pod).Spec)
}

// Default applies upstream's v1 pod defaults (the shared pod spec ones, then those only
// pods get) and the ServiceAccount admission default: the "default" account.
func (Strategy) Default(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	if pod.Spec.ServiceAccountName == "" && pod.Spec.DeprecatedServiceAccount == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	podspec.DefaultPodSpec(&pod.Spec)
	// A negative grace period means "now"; upstream stores it as 1.
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
	}
	for _, cs := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range cs {
			requestsFromLimits(&cs[i].Resources)
		}
	}
	if pod.Spec.EnableServiceLinks == nil {
		pod.Spec.EnableServiceLinks = ptr.To(corev1.DefaultEnableServiceLinks)
	}
	if pod.Spec.HostNetwork {
		for _, cs := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
			for i := range cs {
				for j := range cs[i].Ports {
					if cs[i].Ports[j].HostPort == 0 {
						cs[i].Ports[j].HostPort = cs[i].Ports[j].ContainerPort
					}
				}
			}
		}
	}
	// podIP and podIPs say the same: the first of podIPs is podIP.
	st := &pod.Status
	switch {
	case st.PodIP != "" && len(st.PodIPs) == 0:
		st.PodIPs = []corev1.PodIP{{IP: st.PodIP}}
	case st.PodIP == "" && len(st.PodIPs) > 0:
		st.PodIP = st.PodIPs[0].IP
	case st.PodIP != "" && st.PodIPs[0].IP != st.PodIP:
		st.PodIPs = []corev1.PodIP{{IP: st.PodIP}}
	}
}

// requestsFromLimits makes a limit without a request request the limit.
func requestsFromLimits(r *corev1.ResourceRequirements) {
	if r.Limits == nil {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			r.Requests[name] = q.DeepCopy()
		}
	}
}

// qosClass is upstream's QoS class of a pod: BestEffort when no container asks for cpu
// or memory; Guaranteed when every container limits both and requests equal limits;
// Burstable otherwise. Requests missing but limited count as the limit (defaulting does
// the same later).
func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	var requested, limited bool
	guaranteed := true
	for _, c := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			if hasReq && !req.IsZero() {
				requested = true
			}
			if hasLim && !lim.IsZero() {
				limited = true
			}
			if !hasLim || lim.IsZero() || (hasReq && req.Cmp(lim) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !requested && !limited:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	default:
		return corev1.PodQOSBurstable
	}
}

// Fields returns the fields a pod list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	pod := obj.(*corev1.Pod)
	ips := make([]string, 0, len(pod.Status.PodIPs))
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	hostNetwork := "false"
	if pod.Spec.HostNetwork {
		hostNetwork = "true"
	}
	return fields.Set{
		"metadata.name":            pod.Name,
		"metadata.namespace":       pod.Namespace,
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         hostNetwork,
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             pod.Status.PodIP,
		"status.podIPs":            strings.Join(ips, ","),
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
}
