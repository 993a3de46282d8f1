package pods

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// relistLoop compares the runtime's state with the previous relist every RelistPeriod
// and enqueues every pod whose sandboxes or containers changed, and every pod the
// runtime has that the API no longer does. The first relist enqueues every pod the
// runtime has, which is how an agent that restarted adopts them.
func (m *Manager) relistLoop(ctx context.Context) {
	prev := map[types.UID]string{}
	tick := m.cfg.Clock.NewTicker(m.cfg.RelistPeriod)
	defer tick.Stop()
	for {
		cur, err := m.relist(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.cfg.Logger.Warn("relisting the runtime", "err", err)
			}
		} else {
			for uid, fp := range cur {
				if prev[uid] != fp {
					m.queue.Add(uid)
				}
			}
			for uid := range prev {
				if _, ok := cur[uid]; !ok {
					m.queue.Add(uid) // all gone: the sync forgets it or starts it again
				}
			}
			prev = cur
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		}
	}
}

// relist fingerprints each pod's runtime state: its sandboxes' and containers' ids and
// states.
func (m *Manager) relist(ctx context.Context) (map[types.UID]string, error) {
	sel := map[string]string{labelManagedBy: "true"}
	sbs, err := m.cfg.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel}})
	if err != nil {
		return nil, err
	}
	ctrs, err := m.cfg.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: sel}})
	if err != nil {
		return nil, err
	}
	parts := map[types.UID][]string{}
	for _, sb := range sbs.Items {
		uid := types.UID(sb.Labels[labelPodUID])
		parts[uid] = append(parts[uid], fmt.Sprintf("s:%s:%d", sb.Id, sb.State))
	}
	for _, c := range ctrs.Containers {
		uid := types.UID(c.Labels[labelPodUID])
		parts[uid] = append(parts[uid], fmt.Sprintf("c:%s:%d", c.Id, c.State))
	}
	out := make(map[types.UID]string, len(parts))
	for uid, p := range parts {
		sort.Strings(p)
		out[uid] = strings.Join(p, ",")
	}
	return out, nil
}
