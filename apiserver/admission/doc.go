// Package admission holds the admission steps of the API server: what upstream's
// admission plugins do to an object before it is stored, which depends on other objects
// (a pod's RuntimeClass or PriorityClass, say). Each step is a function the apiserver package installs as
// a registry.StoreConfig.Admit hook; it reads what it needs through getter functions,
// never through storage.
package admission
