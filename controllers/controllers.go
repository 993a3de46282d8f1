package controllers

import (
	"context"
	"errors"

	"k8s.io/client-go/informers"

	"kite/controllers/garbagecollector"
	"kite/controllers/namespace"
	"kite/controllers/replicaset"
	"kite/controllers/rootca"
	"kite/controllers/serviceaccount"
)

// newControllers builds the controllers the manager runs, each on the shared factory.
// The list is explicit: what runs is read here, not registered from afar.
func (m *Manager) newControllers(_ context.Context, f informers.SharedInformerFactory) ([]runnable, error) {
	var out []runnable
	var errs []error
	add := func(c runnable, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		out = append(out, c)
	}
	add(namespace.New(namespace.Config{
		Client:     m.client,
		Metadata:   m.metadata,
		Namespaces: f.Core().V1().Namespaces(),
		Logger:     m.logger,
	}))
	add(serviceaccount.New(serviceaccount.Config{
		Client:          m.client,
		Namespaces:      f.Core().V1().Namespaces(),
		ServiceAccounts: f.Core().V1().ServiceAccounts(),
		Logger:          m.logger,
	}))
	add(rootca.New(rootca.Config{
		Client:     m.client,
		RootCA:     m.cfg.RootCA,
		Namespaces: f.Core().V1().Namespaces(),
		ConfigMaps: f.Core().V1().ConfigMaps(),
		Logger:     m.logger,
	}))
	add(replicaset.New(replicaset.Config{
		Client:      m.client,
		ReplicaSets: f.Apps().V1().ReplicaSets(),
		Pods:        f.Core().V1().Pods(),
		Logger:      m.logger,
	}))
	add(garbagecollector.New(garbagecollector.Config{
		Metadata:  m.metadata,
		Discovery: m.client.Discovery(),
		Logger:    m.logger,
	}))
	return out, errors.Join(errs...)
}
