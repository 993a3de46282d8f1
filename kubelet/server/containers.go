package server

import (
	"context"
	"fmt"
	"slices"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The CRI labels the agent's pod manager puts on sandboxes and containers (upstream's
// names; kubelet/pods owns them).
const (
	labelPodName       = "io.kubernetes.pod.name"
	labelPodNamespace  = "io.kubernetes.pod.namespace"
	labelPodUID        = "io.kubernetes.pod.uid"
	labelContainerName = "io.kubernetes.container.name"
)

// errNotFound is a container or sandbox the runtime does not have: a 404.
type errNotFound struct{ msg string }

func (e errNotFound) Error() string { return e.msg }

// containerInstances returns the runtime's instances of a pod's container, newest
// first: the current one, then the previous ones. uid, when set, must be the pod's.
func (s *Server) containerInstances(ctx context.Context, namespace, pod, uid, container string) ([]*runtimeapi.Container, error) {
	labels := map[string]string{labelPodNamespace: namespace, labelPodName: pod, labelContainerName: container}
	if uid != "" {
		labels[labelPodUID] = uid
	}
	resp, err := s.cfg.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{
		Filter: &runtimeapi.ContainerFilter{LabelSelector: labels},
	})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	cs := resp.Containers
	// Newest first: a restarted container has a higher attempt; a recreated pod's
	// containers were created later.
	slices.SortFunc(cs, func(a, b *runtimeapi.Container) int {
		if a.CreatedAt != b.CreatedAt {
			if a.CreatedAt > b.CreatedAt {
				return -1
			}
			return 1
		}
		return int(b.GetMetadata().GetAttempt()) - int(a.GetMetadata().GetAttempt())
	})
	return cs, nil
}

// runningContainer is the pod's container that runs now, for exec and attach.
func (s *Server) runningContainer(ctx context.Context, namespace, pod, uid, container string) (string, error) {
	cs, err := s.containerInstances(ctx, namespace, pod, uid, container)
	if err != nil {
		return "", err
	}
	if len(cs) == 0 {
		return "", errNotFound{fmt.Sprintf("container %q in pod %s/%s not found", container, namespace, pod)}
	}
	if cs[0].State != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return "", errNotFound{fmt.Sprintf("container %q in pod %s/%s is not running", container, namespace, pod)}
	}
	return cs[0].Id, nil
}

// readySandbox is the pod's sandbox that is ready now, for port forwarding.
func (s *Server) readySandbox(ctx context.Context, namespace, pod, uid string) (string, error) {
	labels := map[string]string{labelPodNamespace: namespace, labelPodName: pod}
	if uid != "" {
		labels[labelPodUID] = uid
	}
	resp, err := s.cfg.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
		Filter: &runtimeapi.PodSandboxFilter{
			LabelSelector: labels,
			State:         &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
		},
	})
	if err != nil {
		return "", fmt.Errorf("listing sandboxes: %w", err)
	}
	var newest *runtimeapi.PodSandbox
	for _, sb := range resp.Items {
		if newest == nil || sb.CreatedAt > newest.CreatedAt {
			newest = sb
		}
	}
	if newest == nil {
		return "", errNotFound{fmt.Sprintf("pod %s/%s has no running sandbox on this node", namespace, pod)}
	}
	return newest.Id, nil
}
