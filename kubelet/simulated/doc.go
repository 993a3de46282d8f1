// Package simulated runs simulated nodes, as kwok does: Node objects with a Lease
// heartbeat that run the pods bound to them without containers. `kite server
// --simulated-nodes N` runs N of them in place of the real node agent, so the
// scheduler and the controllers can be exercised at scale on one machine.
//
// A simulated node is named PREFIX<i> (kite-sim-0, kite-sim-1, …), labelled
// type=kite-simulated with the well-known hostname/os/arch labels, has 32 CPUs, 256Gi
// of memory and room for 110 pods, and an InternalIP in 198.18.0.0/15 (the range
// RFC 2544 sets aside for benchmarks; nothing ever connects to it), or the addresses
// from Config.FirstAddress on (`kite agent --simulated-nodes N --node-ip IP`). Its pod range is
// the one the node IPAM controller gives it; pods wait until it has one, or, when the
// node has had none for 30 s (the cluster range is full), take addresses from a /24
// of 100.64.0.0/10 set aside for the node.
//
// What the simulator does:
//   - renews each node's Lease in kube-node-lease every HeartbeatInterval (10 s), the
//     nodes spread evenly over the interval, and posts Ready=True again when it finds
//     the node's Ready condition otherwise;
//   - marks each pod bound to one of its nodes Running and Ready (podIP from the
//     node's pod range, hostIP, startTime, running containerStatuses), or, when the
//     pod carries the annotation kite.dev/simulated-exit-code: "N", terminated with
//     exit code N (Succeeded for 0, Failed otherwise);
//   - finalises pods deleted with a grace period at once: a pod not finished yet is
//     first reported Failed (its containers killed, exit code 137), then deleted with
//     grace 0, as a kubelet does once their containers have stopped;
//   - removes the kite.io/local-path-cleanup finalizer of deleted local-path volumes
//     on its nodes (kubelet/volumes.LocalPath without a directory: none was made).
//
// A node annotated kite.dev/simulated-stopped: "true" behaves like a node whose kubelet
// died: no heartbeat, no status, its pods left as they are. Removing the annotation
// brings it back.
//
// Invariants: one shared informer for pods and one for the simulated nodes; a small
// pool of workers writes pod statuses and heartbeats; a pod IP is handed to one live
// pod of a node at a time (rebuilt from the pods' statuses at start). The simulator
// is an API client only. Called by cmd/kite.
package simulated
