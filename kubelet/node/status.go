package node

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxPods is upstream kubelet's default pod capacity.
const maxPods = 110

// desiredStatus computes the Node's status from the machine and the runtime's
// readiness, carrying over the transition times of conditions that did not change.
func desiredStatus(cfg Config, m Machine, ready bool, why string, old corev1.NodeStatus, now metav1.Time) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(m.CPUs), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(m.MemoryBytes, resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(m.DiskBytes, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(maxPods, resource.DecimalSI),
	}
	readyCond := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		Reason: "KubeletReady", Message: "kubelet is posting ready status"}
	if !ready {
		readyCond.Status, readyCond.Reason, readyCond.Message = corev1.ConditionFalse, "KubeletNotReady", "container runtime not ready: "+why
	}
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		readyCond,
	}
	for i := range conds {
		c := &conds[i]
		c.LastHeartbeatTime, c.LastTransitionTime = now, now
		for _, o := range old.Conditions {
			if o.Type == c.Type && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	allocatable := capacity.DeepCopy()
	// Resources the agent does not measure (extended resources a device plugin or an
	// administrator put in the status) stay, as upstream's kubelet, which patches only
	// what it owns, leaves them.
	for name, q := range old.Capacity {
		if _, own := capacity[name]; !own {
			capacity[name] = q.DeepCopy()
		}
	}
	for name, q := range old.Allocatable {
		if _, own := allocatable[name]; !own {
			allocatable[name] = q.DeepCopy()
		}
	}
	// So do conditions of other types, which other components own.
	for _, o := range old.Conditions {
		if !slices.ContainsFunc(conds, func(c corev1.NodeCondition) bool { return c.Type == o.Type }) {
			conds = append(conds, o)
		}
	}
	st := corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: allocatable,
		Phase:       "",
		Conditions:  conds,
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: cfg.Address.String()},
			{Type: corev1.NodeHostName, Address: cfg.Name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: cfg.KubeletPort}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               m.MachineID,
			SystemUUID:              m.SystemUUID,
			BootID:                  m.BootID,
			KernelVersion:           m.KernelVersion,
			OSImage:                 m.OSImage,
			ContainerRuntimeVersion: cfg.RuntimeVersion,
			KubeletVersion:          cfg.KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            m.Arch,
		},
		Images:          old.Images,
		VolumesInUse:    old.VolumesInUse,
		VolumesAttached: old.VolumesAttached,
		Config:          old.Config,
		RuntimeHandlers: old.RuntimeHandlers,
		Features:        old.Features,
	}
	return st
}

// sameStatus reports whether two statuses differ only in heartbeat times.
func sameStatus(a, b corev1.NodeStatus) bool {
	a, b = *a.DeepCopy(), *b.DeepCopy()
	for _, s := range []*corev1.NodeStatus{&a, &b} {
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

// postStatus writes the Node's status when it changed or force is set, and reports
// whether it wrote.
func postStatus(ctx context.Context, cfg Config, force bool) (bool, error) {
	nodes := cfg.Client.CoreV1().Nodes()
	n, err := nodes.Get(ctx, cfg.Name, metav1.GetOptions{})
	if err != nil {
		return false, err
	}
	ready, why := true, ""
	if cfg.Ready != nil {
		ready, why = cfg.Ready(ctx)
	}
	now := metav1.NewTime(cfg.Clock.Now().Truncate(time.Second))
	st := desiredStatus(cfg, cfg.Machine(), ready, why, n.Status, now)
	if cfg.Images != nil {
		// A runtime that cannot list its images now keeps the last list: the images
		// are most likely still there, and a status flapping to none helps nobody.
		if imgs, err := cfg.Images(ctx); err == nil {
			st.Images = imgs
		} else {
			cfg.Logger.Warn("listing the runtime's images for the node status", "err", err)
		}
	}
	if !force && sameStatus(st, n.Status) {
		return false, nil
	}
	n.Status = st
	_, err = nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err == nil, err
}
