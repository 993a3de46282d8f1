package apiserver

import (
	"context"

	corev1 "k8s.io/api/core/v1"
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
	if eps := storeOf(stores, schema.GroupResource{Resource: "endpoints"}); eps != nil {
		cfg.Endpoints = func(ctx context.Context, namespace, name string) (*corev1.Endpoints, error) {
			obj, err := eps.Get(ctx, namespace, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			return obj.(*corev1.Endpoints), nil
		}
	}
	return nodeproxy.New(cfg)
}
