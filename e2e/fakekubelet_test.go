package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// The part of a kubelet that tests without a node agent need once pods bound to their
// fake nodes are deleted gracefully: a deleted pod stays Terminating until its kubelet
// has stopped it and deletes it again with grace 0. finishDeletions plays that part.

// finishDeletions watches every pod until the test ends and, for each pod bound to a
// node and being deleted, finishes the deletion as a kubelet does: a delete with grace
// period 0 and the pod's UID as precondition (so a new pod of the same name is left
// alone). A pod that finalizers hold stays, as it would with a real kubelet. It returns
// once the watch has caught up, so deletions after the call are seen.
func finishDeletions(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(c, 0)
	pods := factory.Core().V1().Pods().Informer()
	finish := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok || p.DeletionTimestamp == nil || p.Spec.NodeName == "" {
			return
		}
		err := c.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &p.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
			t.Logf("fake kubelet: finish deleting pod %s/%s: %v", p.Namespace, p.Name, err)
		}
	}
	if _, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    finish,
		UpdateFunc: func(_, obj any) { finish(obj) },
	}); err != nil {
		cancel()
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	t.Cleanup(func() {
		cancel()
		factory.Shutdown() // waits for the informer's goroutines
	})
	synced, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	if !cache.WaitForCacheSync(synced.Done(), pods.HasSynced) {
		t.Fatal("fake kubelet: the pod watch did not sync within 30s")
	}
}
