// Package rootca is the root CA publisher: every namespace holds the ConfigMap
// kube-root-ca.crt whose key ca.crt is the cluster CA, as upstream's
// root-ca-cert-publisher keeps it, so pods can verify the API server through
// kubernetes.default.svc (the projected service-account volume mounts it).
//
// It watches namespaces, and the ConfigMaps named kube-root-ca.crt only (a field
// selector: the cluster's other ConfigMaps are never held in its memory). A namespace that is added or changes, and a
// kube-root-ca.crt that is changed or deleted, queue the namespace; a pass creates the
// ConfigMap when missing, and otherwise restores the data to ca.crt alone and the
// description annotation when they differ. Namespaces being deleted are left alone.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package rootca
