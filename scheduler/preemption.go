package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
)

// Upstream's preemption messages.
const (
	noVictimsReason   = "No preemption victims found for incoming pod"
	notHelpfulReason  = "Preemption is not helpful for scheduling"
	preemptNeverMsg   = "not eligible due to preemptionPolicy=Never."
	terminatingVictim = "not eligible due to a terminating pod on the nominated node."
)

// DefaultPreemption makes room for a pod that fits nowhere by deleting pods of lower
// priority, as upstream's DefaultPreemption does: only on nodes where the filters
// said Unschedulable (preemption cannot fix a selector or a taint), with as few and as
// unimportant victims as will do. The pod is then nominated to the node and waits
// for the victims to go. PodDisruptionBudgets are not consulted.
type DefaultPreemption struct {
	Client   kubernetes.Interface
	Recorder events.EventRecorder
	Logger   *slog.Logger
}

func (DefaultPreemption) Name() string { return "DefaultPreemption" }

// candidate is a node and the pods that must go for the preemptor to fit there.
type candidate struct {
	node    string
	victims []*corev1.Pod
}

func (pl DefaultPreemption) PostFilter(ctx context.Context, c *Cycle, rejected map[string]*Status) (string, *Status) {
	pod := c.Pod
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return "", NewStatus(Unschedulable, "preemption: "+preemptNeverMsg)
	}
	if nom := pod.Status.NominatedNodeName; nom != "" && rejected[nom].Code() != UnschedulableAndUnresolvable {
		if n := c.Snapshot.Get(nom); n != nil {
			for _, p := range n.Pods {
				if p.DeletionTimestamp != nil && podPriority(p) < podPriority(pod) {
					return "", NewStatus(Unschedulable, "preemption: "+terminatingVictim)
				}
			}
		}
	}
	statuses := map[string]*Status{}
	var candidates []candidate
	for _, n := range c.Snapshot.Nodes {
		if rejected[n.Name()].Code() != Unschedulable {
			continue
		}
		victims, s := selectVictims(c, n)
		if !s.IsSuccess() {
			statuses[n.Name()] = s
			continue
		}
		candidates = append(candidates, candidate{node: n.Name(), victims: victims})
	}
	if len(candidates) == 0 {
		msg := fitError(len(c.Snapshot.Nodes), nil, statuses, notHelpfulReason, "")
		return "", NewStatus(Unschedulable, "preemption: "+msg)
	}
	best := pickCandidate(candidates)
	if err := pl.evict(ctx, pod, best); err != nil {
		return "", NewStatus(Error, "preemption: "+err.Error())
	}
	return best.node, NewStatus(Success, fmt.Sprintf("preemption: found a potential placement for pod on node %v, preempting %d victims", best.node, len(best.victims)))
}

// selectVictims finds the fewest, least important lower-priority pods on n whose
// removal lets the pod fit: remove them all, check, then give back as many as still
// fit, most important first.
func selectVictims(c *Cycle, n *NodeInfo) ([]*corev1.Pod, *Status) {
	prio := podPriority(c.Pod)
	var potential []*corev1.Pod
	for _, p := range n.Pods {
		if podPriority(p) < prio && p.DeletionTimestamp == nil {
			potential = append(potential, p)
		}
	}
	if len(potential) == 0 {
		return nil, NewStatus(UnschedulableAndUnresolvable, noVictimsReason)
	}
	trial := n.clone()
	for _, p := range potential {
		trial.removePod(p.UID)
	}
	if s := c.fitsOn(trial); !s.IsSuccess() {
		return nil, s
	}
	// Most important first: higher priority, then the one running longer.
	slices.SortStableFunc(potential, func(a, b *corev1.Pod) int {
		if pa, pb := podPriority(a), podPriority(b); pa != pb {
			return int(pb) - int(pa)
		}
		return startTime(a).Time.Compare(startTime(b).Time)
	})
	var victims []*corev1.Pod
	for _, p := range potential {
		next := trial.clone()
		next.addPod(p)
		if c.fitsOn(next).IsSuccess() {
			trial = next
			continue
		}
		victims = append(victims, p)
	}
	return victims, nil
}

// fitsOn runs the whole filter chain for the cycle's pod on n, standing in for the
// node of the same name in the snapshot.
func (c *Cycle) fitsOn(n *NodeInfo) *Status {
	trial := NewCycle(c.Pod, c.Snapshot.with(n))
	trial.profile = c.profile
	trial.Nominated = c.Nominated
	if s := c.profile.RunPreFilter(trial); !s.IsSuccess() {
		return s
	}
	return c.profile.RunFilterWithNominated(trial, n)
}

func startTime(p *corev1.Pod) metav1.Time {
	if p.Status.StartTime != nil {
		return *p.Status.StartTime
	}
	return p.CreationTimestamp
}

// pickCandidate prefers, as upstream, the node whose most important victim is least
// important, then the lowest sum of victim priorities, then the fewest victims.
func pickCandidate(cs []candidate) candidate {
	key := func(c candidate) (int64, int64, int) {
		hi := int64(-1 << 31)
		var sum int64
		for _, v := range c.victims {
			p := int64(podPriority(v))
			hi = max(hi, p)
			// Offset so that negative priorities still add up sensibly, as upstream.
			sum += p + 1<<31
		}
		return hi, sum, len(c.victims)
	}
	best := cs[0]
	bh, bs, bn := key(best)
	for _, c := range cs[1:] {
		h, s, n := key(c)
		if h < bh || (h == bh && (s < bs || (s == bs && n < bn))) {
			best, bh, bs, bn = c, h, s, n
		}
	}
	return best
}

// evict deletes the victims (with a Preempted event on each), as upstream does.
func (pl DefaultPreemption) evict(ctx context.Context, preemptor *corev1.Pod, c candidate) error {
	for _, v := range c.victims {
		// Tell the victim's owner why it goes, as upstream does, before it goes.
		cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: corev1.PodReasonPreemptionByScheduler,
			Message: preemptor.Spec.SchedulerName + ": preempting to accommodate a higher priority pod"}
		if err := patchPodStatus(ctx, pl.Client, v, cond, ""); err != nil {
			return fmt.Errorf("marking victim %s/%s: %w", v.Namespace, v.Name, err)
		}
		uid := v.UID
		err := pl.Client.CoreV1().Pods(v.Namespace).Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting victim %s/%s: %w", v.Namespace, v.Name, err)
		}
		if pl.Recorder != nil {
			pl.Recorder.Eventf(v, preemptor, corev1.EventTypeNormal, "Preempted", "Preempting", "Preempted by pod %v on node %v", preemptor.UID, c.node)
		}
		if pl.Logger != nil {
			pl.Logger.Info("preempted a pod", "victim", v.Namespace+"/"+v.Name, "pod", preemptor.Namespace+"/"+preemptor.Name, "node", c.node)
		}
	}
	return nil
}
