// Package componentstatus serves core/v1 componentstatuses, a read-only resource that is
// not stored: each get or list runs the control plane's health probes (scheduler,
// controller-manager, etcd-0, as upstream names them) and answers with their outcome.
// The resource is deprecated upstream since 1.19, and every answer says so in a Warning.
//
// Built by the apiserver package (with probes backed by Kite's own checks) and served
// by apiserver/handlers as a registry.Virtual. It holds no state.
package componentstatus
