// Package allocator hands out the addresses a Service claims: cluster IPs from the
// Service range (10.43.0.0/16 by default) and node ports (30000-32767), as upstream's
// allocators do.
//
// Every claim lives in storage, so there is no in-memory state to lose or to keep in
// step between API servers:
//
//   - a cluster IP is claimed by creating the networking.k8s.io/v1 IPAddress named by
//     the IP, with a parentRef to the Service and the label
//     ipaddress.kubernetes.io/managed-by=ipallocator.k8s.io, as upstream since 1.33;
//   - a node port is claimed by creating the key /registry/ranges/servicenodeports/<port>
//     whose value names the Service ("namespace/name").
//
// Invariants: the store's create-if-absent makes two claims of one IP or port
// impossible, whatever the concurrency and across restarts. A claim is made before the
// Service write and undone when that write fails (registry.WriteHook's done(false));
// what a Service no longer uses is released after its write succeeded (done(true)). A
// process killed between the two leaves a claim without a Service (never a Service
// without its claim); Repair, run at start-up before serving, removes such claims and
// recreates any that are missing.
//
// Called by apiserver (which sets Allocator.ServiceHook as the services Store's
// WriteHook and runs Repair at bootstrap).
package allocator
