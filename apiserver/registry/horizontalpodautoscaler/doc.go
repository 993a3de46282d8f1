// Package horizontalpodautoscaler holds the rules of horizontal pod autoscalers, served
// as upstream serves them in two versions of one stored object: autoscaling/v2 (the
// storage and preferred version, Resource) and autoscaling/v1 (ResourceV1), whose
// objects are converted to and from the stored v2 form at the Store's boundary.
//
// Invariants kept by the Strategies:
//   - a v1 object converted to v2 and back keeps everything v1 can say, and a v2 object
//     converted to v1 and back keeps everything: what v1 has no field for (metrics other
//     than a CPU utilization target, behavior, current metrics, conditions) travels in
//     upstream's autoscaling.alpha.kubernetes.io/* annotations on the v1 object, and
//     those annotations never reach the stored object;
//   - status changes only through the status subresource, spec never through it;
//   - metadata.generation goes up by one on every change of spec (upstream's
//     HPAGeneration, on by default in 1.37); minReplicas may be 0 (HPAScaleToZero, on by
//     default in 1.37) when an Object or External metric is given.
//
// Scaling is the autoscaler controller's work, not this package's.
//
// Called by apiserver/registry's Store (through Resource().Strategy and the v1
// resource's StorageForm) and by discovery.
package horizontalpodautoscaler
