package apiserver

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/nodeproxy"
	"kite/apiserver/registry"
)

// nodeConnector is how pods' log, exec, attach, portforward and the proxy
// subresources reach nodes: through their node agents when the server has a
// kubelet-client certificate, else a 503 that says no agent serves them.
func (s *Server) nodeConnector(stores []*registry.Store) (registry.NodeConnector, error) {
	nodes := storeOf(stores, schema.GroupResource{Resource: "nodes"})
	if len(s.cfg.KubeletClientCert.Certificate) == 0 || nodes == nil {
		return registry.NoNodeAgent{}, nil
	}
	cfg := nodeproxy.Config{
		Node: func(ctx context.Context, name string) (*corev1.Node, error) {
			obj, err := nodes.Get(ctx, "", name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.Node), nil
		},
		ClientCert:  s.cfg.KubeletClientCert,
		RootCAs:     s.cfg.ClientCAs,
		LocalNode:   s.cfg.LocalNode,
		RemoteNodes: s.cfg.RemoteNodes,
		Logger:      s.logger,
	}
	slices := storeOf(stores, schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"})
	pods := storeOf(stores, schema.GroupResource{Resource: "pods"})
	if slices != nil && pods != nil {
		cfg.EndpointSlices = func(ctx context.Context, namespace, service string) ([]*discoveryv1.EndpointSlice, error) {
			obj, err := slices.List(ctx, namespace, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + service})
			if err != nil {
				return nil, err
			}
			items := obj.(*discoveryv1.EndpointSliceList).Items
			out := make([]*discoveryv1.EndpointSlice, len(items))
			for i := range items {
				out[i] = &items[i]
			}
			return out, nil
		}
		cfg.Pod = func(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
			obj, err := pods.Get(ctx, namespace, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.Pod), nil
		}
	}
	return nodeproxy.New(cfg)
}
