package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	appsinformers "k8s.io/client-go/informers/apps/v1"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// kind is the workload a Controller keeps pods for. The sync works on ReplicaSets; a
// ReplicationController is the same thing with a map for a selector and no
// terminatingReplicas, so its kind shows each one as a ReplicaSet (with the
// ReplicationController's metadata) and writes its status back, as upstream's
// replication manager does through an adapter.
type kind interface {
	// gvk is what pods name in their controller reference.
	gvk() schema.GroupVersionKind
	// component names the controller: logs, queue and events' source.
	component() string
	informer() cache.SharedIndexInformer
	// asReplicaSet converts an informer object; false for anything else.
	asReplicaSet(obj any) (*appsv1.ReplicaSet, bool)
	get(namespace, name string) (*appsv1.ReplicaSet, error)
	list(namespace string) ([]*appsv1.ReplicaSet, error)
	// getLive reads the object from the API server, past the cache.
	getLive(ctx context.Context, namespace, name string) (*appsv1.ReplicaSet, error)
	// writeStatus writes status unless rs has it already and returns the object as
	// the server has it afterwards.
	writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error)
	// eventObject is what events about rs are recorded against.
	eventObject(rs *appsv1.ReplicaSet) runtime.Object
}

// replicaSets is the kind ReplicaSet.
type replicaSets struct {
	client kubernetes.Interface
	inf    appsinformers.ReplicaSetInformer
	lister appslisters.ReplicaSetLister
}

func (replicaSets) gvk() schema.GroupVersionKind {
	return appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
}
func (replicaSets) component() string                     { return "replicaset" }
func (k replicaSets) informer() cache.SharedIndexInformer { return k.inf.Informer() }

func (replicaSets) asReplicaSet(obj any) (*appsv1.ReplicaSet, bool) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	return rs, ok
}

func (k replicaSets) get(ns, name string) (*appsv1.ReplicaSet, error) {
	return k.lister.ReplicaSets(ns).Get(name)
}

func (k replicaSets) list(ns string) ([]*appsv1.ReplicaSet, error) {
	return k.lister.ReplicaSets(ns).List(everything)
}

func (k replicaSets) getLive(ctx context.Context, ns, name string) (*appsv1.ReplicaSet, error) {
	return k.client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (k replicaSets) writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error) {
	if apiequality.Semantic.DeepEqual(rs.Status, status) {
		return rs, nil
	}
	cp := rs.DeepCopy()
	cp.Status = status
	return k.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
}

func (replicaSets) eventObject(rs *appsv1.ReplicaSet) runtime.Object { return rs }

// replicationControllers is the kind ReplicationController.
type replicationControllers struct {
	client kubernetes.Interface
	inf    coreinformers.ReplicationControllerInformer
	lister corelisters.ReplicationControllerLister
}

func (replicationControllers) gvk() schema.GroupVersionKind {
	return corev1.SchemeGroupVersion.WithKind("ReplicationController")
}
func (replicationControllers) component() string                     { return "replication" }
func (k replicationControllers) informer() cache.SharedIndexInformer { return k.inf.Informer() }

func (replicationControllers) asReplicaSet(obj any) (*appsv1.ReplicaSet, bool) {
	rc, ok := obj.(*corev1.ReplicationController)
	if !ok {
		return nil, false
	}
	return fromReplicationController(rc), true
}

func (k replicationControllers) get(ns, name string) (*appsv1.ReplicaSet, error) {
	rc, err := k.lister.ReplicationControllers(ns).Get(name)
	if err != nil {
		return nil, err
	}
	return fromReplicationController(rc), nil
}

func (k replicationControllers) list(ns string) ([]*appsv1.ReplicaSet, error) {
	rcs, err := k.lister.ReplicationControllers(ns).List(everything)
	if err != nil {
		return nil, err
	}
	out := make([]*appsv1.ReplicaSet, len(rcs))
	for i, rc := range rcs {
		out[i] = fromReplicationController(rc)
	}
	return out, nil
}

func (k replicationControllers) getLive(ctx context.Context, ns, name string) (*appsv1.ReplicaSet, error) {
	rc, err := k.client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return fromReplicationController(rc), nil
}

func (k replicationControllers) writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) (*appsv1.ReplicaSet, error) {
	want := toReplicationControllerStatus(status)
	// Compared as ReplicationController statuses: what they cannot hold
	// (terminatingReplicas) is no change.
	if apiequality.Semantic.DeepEqual(toReplicationControllerStatus(rs.Status), want) {
		return rs, nil
	}
	rc, err := k.lister.ReplicationControllers(rs.Namespace).Get(rs.Name)
	if err != nil {
		return nil, err
	}
	if rc.UID != rs.UID {
		return nil, fmt.Errorf("ReplicationController %s/%s was replaced", rs.Namespace, rs.Name)
	}
	cp := rc.DeepCopy()
	// The version the status was computed from: a newer object makes this a conflict.
	cp.ResourceVersion = rs.ResourceVersion
	cp.Status = want
	out, err := k.client.CoreV1().ReplicationControllers(rs.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return fromReplicationController(out), nil
}

func (replicationControllers) eventObject(rs *appsv1.ReplicaSet) runtime.Object {
	return &corev1.ReplicationController{ObjectMeta: rs.ObjectMeta}
}

// fromReplicationController shows rc as a ReplicaSet with rc's metadata.
func fromReplicationController(rc *corev1.ReplicationController) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{ObjectMeta: *rc.ObjectMeta.DeepCopy()}
	if rc.Spec.Replicas != nil {
		n := *rc.Spec.Replicas
		rs.Spec.Replicas = &n
	}
	rs.Spec.MinReadySeconds = rc.Spec.MinReadySeconds
	sel := make(map[string]string, len(rc.Spec.Selector))
	for k, v := range rc.Spec.Selector {
		sel[k] = v
	}
	rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: sel}
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template.DeepCopy()
	}
	st := rc.Status
	rs.Status = appsv1.ReplicaSetStatus{Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas,
		ReadyReplicas: st.ReadyReplicas, AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration}
	for _, c := range st.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return rs
}

// toReplicationControllerStatus is st as a ReplicationController holds it.
func toReplicationControllerStatus(st appsv1.ReplicaSetStatus) corev1.ReplicationControllerStatus {
	out := corev1.ReplicationControllerStatus{Replicas: st.Replicas, FullyLabeledReplicas: st.FullyLabeledReplicas,
		ReadyReplicas: st.ReadyReplicas, AvailableReplicas: st.AvailableReplicas, ObservedGeneration: st.ObservedGeneration}
	for _, c := range st.Conditions {
		out.Conditions = append(out.Conditions, corev1.ReplicationControllerCondition{Type: corev1.ReplicationControllerConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return out
}
