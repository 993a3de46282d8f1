// Package controllers is Kite's controller manager: it runs the controllers (one
// package each beneath this one) as clients of the Kubernetes API, the way upstream's
// kube-controller-manager does, so they could run in another process unchanged.
//
// The Manager talks to the API server only through the rest.Config it is given (in
// `kite server`, a loopback HTTPS connection authenticated by a client certificate with
// CN system:kube-controller-manager, made by pki.EnsureClient). It never touches the
// store. Before any controller acts it takes the Lease kube-system/kube-controller-manager
// through client-go's leader election, so that when several servers run only one of them
// runs controllers; when it loses the Lease it stops them all and campaigns again, and on
// shutdown it releases the Lease so the next server takes over at once.
//
// The controllers (listed in controllers.go, one package each): namespace (empties
// and finalizes deleted namespaces), serviceaccount (a default ServiceAccount per
// namespace), rootca (kube-root-ca.crt per namespace), deployment, replicaset (which
// also keeps ReplicationControllers), statefulset, daemonset, job, cronjob, endpoints,
// endpointslice, endpointslicemirroring, resourcequota, disruption (PodDisruptionBudget
// status), podgc, nodelifecycle, nodeipam and garbagecollector (ownerReferences;
// background, foreground and orphan deletion). Shared pieces: worker (the queue and
// workers every controller runs), history (ControllerRevisions).
//
// While leading, one shared informer factory feeds every controller but the garbage
// collector, which keeps metadata-only informers over every resource; each controller
// only enqueues keys from its handlers and its workers sync one key at a time from
// listers, requeueing errors with rate limiting. Run returns only after every goroutine
// it started has ended, which cmd/kite's goroutine-leak test checks.
//
// Called by cmd/kite (`kite server`) after the API server is listening, unless
// --disable-controllers is given.
package controllers
