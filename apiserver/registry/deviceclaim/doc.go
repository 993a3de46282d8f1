// Package deviceclaim holds what resource.k8s.io/v1 objects share about asking for
// devices: the defaults and validation of a DeviceClaim (requests, constraints,
// configs) used by ResourceClaims and ResourceClaimTemplates, and of the CEL device
// selectors, opaque driver configs, driver names and taints that DeviceClasses,
// ResourceSlices and DeviceTaintRules use too.
//
// Field paths and messages are upstream's. CEL expressions are checked for presence
// and size only: compiling them needs the CEL environment upstream builds, which Kite
// does not carry.
//
// Called by the deviceclass, resourceclaim, resourceclaimtemplate, resourceslice and
// devicetaintrule registry packages.
package deviceclaim
