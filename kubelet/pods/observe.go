package pods

import (
	"context"
	"sort"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ctrRecord is one container the runtime has for a pod: its list entry (which names its
// sandbox) and its detailed status.
type ctrRecord struct {
	ctr *runtimeapi.Container
	st  *runtimeapi.ContainerStatus
}

func (r ctrRecord) attempt() uint32                  { return r.st.GetMetadata().GetAttempt() }
func (r ctrRecord) state() runtimeapi.ContainerState { return r.st.GetState() }

// observed is everything the runtime has for one pod, read in one go.
type observed struct {
	sandboxes  []*runtimeapi.PodSandbox // newest first
	containers []ctrRecord              // newest attempt first, per name and overall
}

// observe reads the pod's sandboxes and containers from the runtime.
func (m *Manager) observe(ctx context.Context, uid types.UID) (*observed, error) {
	sel := map[string]string{labelPodUID: string(uid), labelManagedBy: "true"}
	sbs, err := m.cfg.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{
		Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel}})
	if err != nil {
		return nil, err
	}
	ctrs, err := m.cfg.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{
		Filter: &runtimeapi.ContainerFilter{LabelSelector: sel}})
	if err != nil {
		return nil, err
	}
	o := &observed{sandboxes: sbs.Items}
	sort.Slice(o.sandboxes, func(i, j int) bool {
		a, b := o.sandboxes[i], o.sandboxes[j]
		if a.GetMetadata().GetAttempt() != b.GetMetadata().GetAttempt() {
			return a.GetMetadata().GetAttempt() > b.GetMetadata().GetAttempt()
		}
		return a.CreatedAt > b.CreatedAt
	})
	for _, c := range ctrs.Containers {
		st, err := m.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.Id})
		if status.Code(err) == codes.NotFound {
			continue // removed since the list
		}
		if err != nil {
			return nil, err
		}
		o.containers = append(o.containers, ctrRecord{ctr: c, st: st.Status})
	}
	sort.Slice(o.containers, func(i, j int) bool {
		a, b := o.containers[i], o.containers[j]
		if a.attempt() != b.attempt() {
			return a.attempt() > b.attempt()
		}
		return a.st.CreatedAt > b.st.CreatedAt
	})
	return o, nil
}

func (o *observed) empty() bool { return len(o.sandboxes) == 0 && len(o.containers) == 0 }

// readySandbox is the newest sandbox when it is ready, else nil.
func (o *observed) readySandbox() *runtimeapi.PodSandbox {
	if len(o.sandboxes) > 0 && o.sandboxes[0].State == runtimeapi.PodSandboxState_SANDBOX_READY {
		return o.sandboxes[0]
	}
	return nil
}

// history returns the attempts of the named container, newest first.
func (o *observed) history(name string) []ctrRecord {
	var out []ctrRecord
	for _, r := range o.containers {
		if r.st.GetMetadata().GetName() == name {
			out = append(out, r)
		}
	}
	return out
}

// ran reports whether any container of the pod was ever created.
func (o *observed) ran() bool { return len(o.containers) > 0 }
