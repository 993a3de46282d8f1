package rootca

import (
	"context"
	"maps"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

const testCA = "-----BEGIN CERTIFICATE-----\nkite test\n-----END CERTIFICATE-----\n"

func run(t *testing.T, names ...string) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset()
	for _, n := range names {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
		if err := client.Tracker().Add(ns); err != nil {
			t.Fatal(err)
		}
	}
	f := informers.NewSharedInformerFactory(client, 0)
	p, err := New(Config{Client: client, RootCA: []byte(testCA), Namespaces: f.Core().V1().Namespaces()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	f.Start(ctx.Done())
	go func() { defer close(done); p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		f.Shutdown()
	})
	return client
}

// published reports whether namespace ns holds the ConfigMap as upstream publishes it.
func published(client *fake.Clientset, ns string) func() bool {
	return func() bool {
		cm, err := client.CoreV1().ConfigMaps(ns).Get(context.Background(), ConfigMapName, metav1.GetOptions{})
		return err == nil && maps.Equal(cm.Data, map[string]string{"ca.crt": testCA}) &&
			cm.Annotations["kubernetes.io/description"] == Description
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRootCAIsPublishedAndRestored(t *testing.T) {
	client := run(t, "a")
	ctx := context.Background()
	waitFor(t, "kube-root-ca.crt in a", published(client, "a"))

	// Changed: restored, other labels kept.
	cm, err := client.CoreV1().ConfigMaps("a").Get(ctx, ConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"ca.crt": "forged", "extra": "x"}
	cm.Labels = map[string]string{"keep": "me"}
	delete(cm.Annotations, DescriptionAnnotation)
	if _, err := client.CoreV1().ConfigMaps("a").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kube-root-ca.crt restored", published(client, "a"))
	cm, _ = client.CoreV1().ConfigMaps("a").Get(ctx, ConfigMapName, metav1.GetOptions{})
	if cm.Labels["keep"] != "me" {
		t.Errorf("labels after restore: %v", cm.Labels)
	}

	// Deleted: recreated.
	if err := client.CoreV1().ConfigMaps("a").Delete(ctx, ConfigMapName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kube-root-ca.crt recreated", published(client, "a"))

	// A new namespace gets one too.
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "b"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kube-root-ca.crt in b", published(client, "b"))
}

func TestNewRequiresTheCA(t *testing.T) {
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, 0)
	if _, err := New(Config{Client: client, Namespaces: f.Core().V1().Namespaces()}); err == nil {
		t.Error("New without RootCA succeeded")
	}
}
