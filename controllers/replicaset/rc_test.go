package replicaset

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"kite/controllers/controllertest"
)

func newRC(name string, replicas int32) *corev1.ReplicationController {
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Generation: 1},
		Spec: corev1.ReplicationControllerSpec{
			Replicas: &replicas,
			Selector: map[string]string{"app": name},
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
}

func TestReplicationControllerKeepsPods(t *testing.T) {
	client := startKind(t, true, nil, newRC("rc", 2))
	ctx := context.Background()
	controllertest.WaitFor(t, "2 pods", hasPods(client, "rc", 2))
	for _, p := range controlled(client, "rc") {
		ref := metav1.GetControllerOf(&p)
		if ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || ref.UID != "uid-rc" {
			t.Errorf("pod %s controller %+v", p.Name, ref)
		}
	}
	controllertest.WaitFor(t, "status", func() string {
		rc, _ := client.CoreV1().ReplicationControllers("default").Get(ctx, "rc", metav1.GetOptions{})
		if rc.Status.Replicas != 2 || rc.Status.FullyLabeledReplicas != 2 || rc.Status.ObservedGeneration != 1 {
			return fmt.Sprintf("%+v", rc.Status)
		}
		return ""
	})
	controllertest.WaitFor(t, "events from replication-controller", func() string {
		evs, _ := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		n := 0
		for _, e := range evs.Items {
			if e.Reason == "SuccessfulCreate" && e.InvolvedObject.Kind == "ReplicationController" &&
				e.InvolvedObject.Name == "rc" && e.Source.Component == "replication-controller" {
				n++
			}
		}
		if n != 2 {
			return fmt.Sprintf("%d events", n)
		}
		return ""
	})
}

func TestReplicationControllerReplicaFailure(t *testing.T) {
	rc := newRC("quota", 1)
	client := startKind(t, true, func(client *fake.Clientset) {
		client.PrependReactor("create", "pods", func(clienttesting.Action) (bool, runtime.Object, error) {
			return true, nil, errors.New(`pods "quota-x" is forbidden: exceeded quota: q`)
		})
	})
	ctx := context.Background()
	if _, err := client.CoreV1().ReplicationControllers("default").Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "ReplicaFailure", func() string {
		got, _ := client.CoreV1().ReplicationControllers("default").Get(ctx, "quota", metav1.GetOptions{})
		for _, c := range got.Status.Conditions {
			if c.Type == corev1.ReplicationControllerReplicaFailure && c.Status == corev1.ConditionTrue &&
				c.Reason == "FailedCreate" && strings.Contains(c.Message, "exceeded quota") {
				return ""
			}
		}
		return fmt.Sprintf("%+v", got.Status)
	})
}

func TestReplicationControllerCountsReadyPods(t *testing.T) {
	client := startKind(t, true, nil, newRC("rc", 2))
	ctx := context.Background()
	controllertest.WaitFor(t, "2 pods", hasPods(client, "rc", 2))
	for i, p := range controlled(client, "rc") {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		p.ResourceVersion = fmt.Sprint(10 + i)
		if _, err := client.CoreV1().Pods("default").UpdateStatus(ctx, &p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	controllertest.WaitFor(t, "ready status", func() string {
		rc, _ := client.CoreV1().ReplicationControllers("default").Get(ctx, "rc", metav1.GetOptions{})
		if rc.Status.ReadyReplicas != 2 || rc.Status.AvailableReplicas != 2 {
			return fmt.Sprintf("%+v", rc.Status)
		}
		return ""
	})
}
