package simulated

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// registerWorkers create nodes in parallel; a thousand nodes one by one would take
// a while on a loaded machine.
const registerWorkers = 8

// nodeAddress is node i's InternalIP: 198.18.0.1 onwards, in the benchmark range.
func nodeAddress(i int) string {
	v := uint32(198)<<24 | uint32(18)<<16 + uint32(i) + 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// address is node i's InternalIP: Config.FirstAddress plus i, else nodeAddress(i).
func (s *Simulator) address(i int) string {
	first := s.cfg.FirstAddress.To4()
	if first == nil {
		return nodeAddress(i)
	}
	v := uint32(first[0])<<24 | uint32(first[1])<<16 | uint32(first[2])<<8 | uint32(first[3])
	v += uint32(i)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// readyConditions are the conditions of a healthy node at now.
func readyConditions(now metav1.Time) []corev1.NodeCondition {
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return []corev1.NodeCondition{
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status (simulated)"),
	}
}

// node is simulated node i as it registers.
func (s *Simulator) node(i int) *corev1.Node {
	name := s.names[i]
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("32"),
		corev1.ResourceMemory:           resource.MustParse("256Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:      name,
				corev1.LabelOSStable:      "linux",
				corev1.LabelArchStable:    runtime.GOARCH,
				"beta.kubernetes.io/os":   "linux",
				"beta.kubernetes.io/arch": runtime.GOARCH,
				TypeLabel:                 TypeValue,
			},
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity.DeepCopy(),
			Conditions:  readyConditions(metav1.NewTime(s.clock.Now())),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: s.address(i)},
				{Type: corev1.NodeHostName, Address: name},
			},
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:          s.cfg.KubeletVersion,
				OperatingSystem:         "linux",
				Architecture:            runtime.GOARCH,
				OSImage:                 "kite simulated node",
				KernelVersion:           "simulated",
				ContainerRuntimeVersion: "simulated://1.0",
			},
			Phase: corev1.NodeRunning,
		},
	}
}

// register creates every simulated node, or brings an existing one's labels and
// Ready status back.
func (s *Simulator) register(ctx context.Context) error {
	work := make(chan int)
	errs := make(chan error, registerWorkers)
	var wg sync.WaitGroup
	for range registerWorkers {
		wg.Go(func() {
			for i := range work {
				if err := s.registerOne(ctx, i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := range s.names {
		select {
		case work <- i:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

func (s *Simulator) registerOne(ctx context.Context, i int) error {
	want := s.node(i)
	nodes := s.client.CoreV1().Nodes()
	_, err := nodes.Create(ctx, want, metav1.CreateOptions{})
	if err == nil || !apierrors.IsAlreadyExists(err) {
		if err != nil {
			return fmt.Errorf("registering simulated node %s: %w", want.Name, err)
		}
		return nil
	}
	for attempt := 0; ; attempt++ {
		n, err := nodes.Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		for k, v := range want.Labels {
			n.Labels[k] = v
		}
		n, err = nodes.Update(ctx, n, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) && attempt < 5 {
			continue
		}
		if err != nil {
			return fmt.Errorf("updating simulated node %s: %w", want.Name, err)
		}
		n.Status.Capacity, n.Status.Allocatable = want.Status.Capacity, want.Status.Allocatable
		n.Status.Addresses, n.Status.NodeInfo = want.Status.Addresses, want.Status.NodeInfo
		if !stopped(n) {
			n.Status.Conditions = want.Status.Conditions
		}
		_, err = nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) && attempt < 5 {
			continue
		}
		if err != nil {
			return fmt.Errorf("updating simulated node %s's status: %w", want.Name, err)
		}
		return nil
	}
}

// reportReady posts Ready=True for node when its Ready condition says otherwise, as a
// kubelet does at its next status update after someone else marked it.
func (s *Simulator) reportReady(ctx context.Context, n *corev1.Node) error {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return nil
		}
	}
	u := n.DeepCopy()
	u.Status.Conditions = readyConditions(metav1.NewTime(s.clock.Now()))
	if _, err := s.client.CoreV1().Nodes().UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
		return err
	}
	s.logger.Info("simulated node ready again", "node", n.Name)
	return nil
}
