// Package admission holds the admission steps of the API server: what upstream's
// admission plugins do to an object before it is stored, which depends on other objects
// (a pod's RuntimeClass or PriorityClass, say). Each step is a function the apiserver package installs as
// a registry.StoreConfig.Admit hook; it reads what it needs through getter functions,
// never through storage.
//
// MutatingPolicies and ValidatingPolicies enforce MutatingAdmissionPolicies and
// ValidatingAdmissionPolicies on creates (CEL over object, namespaceObject, request
// and variables; no parameter resources yet); the apiserver package runs them after
// the built-in mutating steps and before quota, and not for the admissionregistration
// resources themselves.
package admission
