// Package deviceclass holds the rules of resource.k8s.io/v1 DeviceClasses:
// cluster-scoped, admin-defined kinds of devices (selectors and driver config) that
// claims ask for by name. A spec change bumps metadata.generation, as upstream.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package deviceclass
