package apiserver

import (
	"context"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/endpointslice"
)

// The kubernetes Service in default: how pods (and the conformance suite) find the API
// server. Its ClusterIP is the first address of the Service range, as upstream's.
const kubernetesServiceIP = "10.43.0.1"

// kubernetesService returns the Service and, when the server has an address pods can
// reach, its Endpoints and EndpointSlice.
func kubernetesService(advertise net.IP, port int) []runtime.Object {
	meta := metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault,
		Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}}
	svc := &corev1.Service{
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:            corev1.ServiceTypeClusterIP,
			ClusterIP:       kubernetesServiceIP,
			ClusterIPs:      []string{kubernetesServiceIP},
			SessionAffinity: corev1.ServiceAffinityNone,
			Ports: []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443,
				TargetPort: intstr.FromInt32(int32(port))}},
		},
	}
	objs := []runtime.Object{svc}
	if advertise != nil {
		ep := &corev1.Endpoints{
			ObjectMeta: *meta.DeepCopy(),
			Subsets: []corev1.EndpointSubset{{
				Addresses: []corev1.EndpointAddress{{IP: advertise.String()}},
				Ports:     []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
			}},
		}
		ep.Labels = map[string]string{"endpointslice.kubernetes.io/skip-mirror": "true"}
		objs = append(objs, ep, endpointslice.ForEndpoints(ep))
	}
	return objs
}

// reconcile creates obj, or makes the stored one match it when it exists: the server's
// port or address may have changed since the last start.
func reconcile(ctx context.Context, s *registry.Store, namespace, name string, obj runtime.Object) error {
	_, err := s.Create(ctx, namespace, obj.DeepCopyObject(), metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	_, err = s.UpdateWith(ctx, namespace, name, func(current runtime.Object) (runtime.Object, error) {
		switch cur := current.(type) {
		case *corev1.Service:
			cur.Spec.Ports = obj.(*corev1.Service).Spec.Ports
		case *corev1.Endpoints:
			cur.Subsets = obj.(*corev1.Endpoints).Subsets
		case *discoveryv1.EndpointSlice:
			want := obj.(*discoveryv1.EndpointSlice)
			cur.Endpoints, cur.Ports = want.Endpoints, want.Ports
		default:
			return nil, fmt.Errorf("apiserver: cannot reconcile a %T", current)
		}
		return current, nil
	}, metav1.UpdateOptions{}, "")
	return err
}
