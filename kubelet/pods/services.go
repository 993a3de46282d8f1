package pods

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// The service link variables of every container need the Services of its namespace and
// the kubernetes Service. Run keeps them in an informer, as upstream's kubelet does,
// so a container start costs no API request for them: asking the API server took two
// requests a container (a list and a get), a fifth of the agent's requests for a pod
// with one container. A Manager not Run (tests that only make configurations) asks
// the API server.

// serviceSource answers with the Services of the informer once it has synced.
type serviceSource struct {
	lister corelisters.ServiceLister
	synced func() bool
}

// namespaceServices returns the Services of namespace ns.
func (m *Manager) namespaceServices(ctx context.Context, ns string) ([]*corev1.Service, error) {
	if src := m.services; src != nil && src.synced() {
		return src.lister.Services(ns).List(labels.Everything())
	}
	list, err := m.cfg.Client.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.Service, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// kubernetesService returns the kubernetes Service of the default namespace, nil when
// there is none.
func (m *Manager) kubernetesService(ctx context.Context) (*corev1.Service, error) {
	var svc *corev1.Service
	var err error
	if src := m.services; src != nil && src.synced() {
		svc, err = src.lister.Services(metav1.NamespaceDefault).Get("kubernetes")
	} else {
		svc, err = m.cfg.Client.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the kubernetes service: %w", err)
	}
	return svc, nil
}
