// Package resourcequota is the ResourceQuota controller: it keeps every quota's
// status.hard equal to its spec.hard and status.used equal to what the objects of its
// namespace use of each name in hard, as upstream's does.
//
// What is measured, per name in spec.hard:
//   - pods: pods (those not terminal and not stuck past their deletion grace period),
//     count/pods (every stored pod), cpu, memory, ephemeral-storage and their
//     requests.* and limits.* forms, requests.hugepages-*, and requests.<extended
//     resource>; a pod's requests count app containers and sidecars together and each
//     plain init container on its own, plus the RuntimeClass overhead;
//   - services: services, count/services, services.loadbalancers and
//     services.nodeports (a NodePort or LoadBalancer service's ports);
//   - PersistentVolumeClaims: persistentvolumeclaims, requests.storage and the
//     <class>.storageclass.storage.k8s.io/ forms of both;
//   - anything else by number: configmaps, secrets, replicationcontrollers,
//     resourcequotas and count/<resource>.<group>, through a metadata-only informer
//     started the first time a quota names the resource.
//
// Scopes (spec.scopes and spec.scopeSelector) select pods (Terminating, NotTerminating,
// BestEffort, NotBestEffort, PriorityClass, CrossNamespacePodAffinity) or claims
// (VolumeAttributesClass); a scoped quota counts nothing else.
//
// A quota is recounted when it is created, when its spec changes or its status no longer
// matches its spec, when an object it measures appears, goes or changes what it uses,
// and every resync period (5 minutes) in any case. The API server charges creates to
// status.used at admission (apiserver/admission), with compare-and-swap on the quota;
// the controller writes its count the same way, so a charge it has not seen makes its
// write conflict and it counts again. The usage rules are written twice, here and in
// apiserver/admission (the dependency rules keep controllers off the server's
// packages): change both together.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package resourcequota
