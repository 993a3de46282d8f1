package controllers

import (
	"context"
	"errors"

	"k8s.io/client-go/informers"

	"kite/controllers/cronjob"
	"kite/controllers/csrcleaner"
	"kite/controllers/csrsigning"
	"kite/controllers/daemonset"
	"kite/controllers/deployment"
	"kite/controllers/disruption"
	"kite/controllers/endpoints"
	"kite/controllers/endpointslice"
	"kite/controllers/endpointslicemirroring"
	"kite/controllers/garbagecollector"
	"kite/controllers/job"
	"kite/controllers/localpath"
	"kite/controllers/namespace"
	"kite/controllers/nodeipam"
	"kite/controllers/nodelifecycle"
	"kite/controllers/persistentvolume"
	"kite/controllers/podgc"
	"kite/controllers/replicaset"
	"kite/controllers/resourcequota"
	"kite/controllers/rootca"
	"kite/controllers/serviceaccount"
	"kite/controllers/statefulset"
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
		Logger:     m.logger,
	}))
	add(replicaset.New(replicaset.Config{
		Client:      m.client,
		ReplicaSets: f.Apps().V1().ReplicaSets(),
		Pods:        f.Core().V1().Pods(),
		Logger:      m.logger,
	}))
	add(deployment.New(deployment.Config{
		Client:      m.client,
		Deployments: f.Apps().V1().Deployments(),
		ReplicaSets: f.Apps().V1().ReplicaSets(),
		Pods:        f.Core().V1().Pods(),
		Logger:      m.logger,
	}))
	add(garbagecollector.New(garbagecollector.Config{
		Metadata:  m.metadata,
		Informers: f,
		Discovery: m.client.Discovery(),
		Logger:    m.logger,
	}))
	add(statefulset.New(statefulset.Config{
		Client:       m.client,
		StatefulSets: f.Apps().V1().StatefulSets(),
		Pods:         f.Core().V1().Pods(),
		Claims:       f.Core().V1().PersistentVolumeClaims(),
		Revisions:    f.Apps().V1().ControllerRevisions(),
		Logger:       m.logger,
	}))
	add(endpoints.New(endpoints.Config{
		Client:    m.client,
		Services:  f.Core().V1().Services(),
		Pods:      f.Core().V1().Pods(),
		Endpoints: f.Core().V1().Endpoints(),
		Logger:    m.logger,
	}))
	add(endpointslice.New(endpointslice.Config{
		Client:         m.client,
		Services:       f.Core().V1().Services(),
		Pods:           f.Core().V1().Pods(),
		Nodes:          f.Core().V1().Nodes(),
		EndpointSlices: f.Discovery().V1().EndpointSlices(),
		Logger:         m.logger,
	}))
	add(endpointslicemirroring.New(endpointslicemirroring.Config{
		Client:         m.client,
		Services:       f.Core().V1().Services(),
		Endpoints:      f.Core().V1().Endpoints(),
		EndpointSlices: f.Discovery().V1().EndpointSlices(),
		Logger:         m.logger,
	}))
	add(podgc.New(podgc.Config{
		Client: m.client,
		Pods:   f.Core().V1().Pods(),
		Nodes:  f.Core().V1().Nodes(),
		Logger: m.logger,
	}))
	add(replicaset.New(replicaset.Config{
		Client:                 m.client,
		ReplicationControllers: f.Core().V1().ReplicationControllers(),
		Pods:                   f.Core().V1().Pods(),
		Logger:                 m.logger,
	}))
	add(resourcequota.New(resourcequota.Config{
		Client:   m.client,
		Metadata: m.metadata,
		Quotas:   f.Core().V1().ResourceQuotas(),
		Pods:     f.Core().V1().Pods(),
		Services: f.Core().V1().Services(),
		Claims:   f.Core().V1().PersistentVolumeClaims(),
		Logger:   m.logger,
	}))
	add(disruption.New(disruption.Config{
		Client:      m.client,
		Budgets:     f.Policy().V1().PodDisruptionBudgets(),
		Pods:        f.Core().V1().Pods(),
		ReplicaSets: f.Apps().V1().ReplicaSets(),
		Logger:      m.logger,
	}))
	add(job.New(job.Config{
		Client: m.client,
		Jobs:   f.Batch().V1().Jobs(),
		Pods:   f.Core().V1().Pods(),
		Logger: m.logger,
	}))
	add(cronjob.New(cronjob.Config{
		Client:   m.client,
		CronJobs: f.Batch().V1().CronJobs(),
		Jobs:     f.Batch().V1().Jobs(),
		Logger:   m.logger,
	}))
	add(daemonset.New(daemonset.Config{
		Client:     m.client,
		DaemonSets: f.Apps().V1().DaemonSets(),
		Pods:       f.Core().V1().Pods(),
		Nodes:      f.Core().V1().Nodes(),
		Revisions:  f.Apps().V1().ControllerRevisions(),
		Logger:     m.logger,
	}))
	add(nodeipam.New(nodeipam.Config{
		Client: m.client,
		Nodes:  f.Core().V1().Nodes(),
		Logger: m.logger,
	}))
	add(nodelifecycle.New(nodelifecycle.Config{
		Client: m.client,
		Nodes:  f.Core().V1().Nodes(),
		Leases: f.Coordination().V1().Leases(),
		Pods:   f.Core().V1().Pods(),
		Logger: m.logger,
	}))
	add(persistentvolume.New(persistentvolume.Config{
		Client:  m.client,
		Volumes: f.Core().V1().PersistentVolumes(),
		Claims:  f.Core().V1().PersistentVolumeClaims(),
		Classes: f.Storage().V1().StorageClasses(),
		Nodes:   f.Core().V1().Nodes(),
		Pods:    f.Core().V1().Pods(),
		Logger:  m.logger,
	}))
	if m.cfg.StorageDir != "" {
		add(localpath.New(localpath.Config{
			Client:     m.client,
			Claims:     f.Core().V1().PersistentVolumeClaims(),
			Volumes:    f.Core().V1().PersistentVolumes(),
			Classes:    f.Storage().V1().StorageClasses(),
			Nodes:      f.Core().V1().Nodes(),
			StorageDir: m.cfg.StorageDir,
			LocalNode:  m.cfg.LocalNode,
			Logger:     m.logger,
		}))
	}
	add(csrcleaner.New(csrcleaner.Config{
		Client: m.client,
		CSRs:   f.Certificates().V1().CertificateSigningRequests(),
		Logger: m.logger,
	}))
	if m.cfg.Signer != nil {
		add(csrsigning.New(csrsigning.Config{
			Client: m.client,
			CSRs:   f.Certificates().V1().CertificateSigningRequests(),
			Signer: m.cfg.Signer,
			MaxTTL: m.cfg.SigningDuration,
			Logger: m.logger,
		}))
	}
	return out, errors.Join(errs...)
}
