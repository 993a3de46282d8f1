// Command simbench measures the control plane on simulated nodes (`kite server
// --simulated-nodes N`): how fast the scheduler binds a flood of pods, and how long a
// large Deployment takes to become Available. It talks to a running server through
// its kubeconfig; hack/simbench.sh starts the servers and runs it.
//
//	simbench -kubeconfig KC -nodes 1000 -mode schedule -pods 10000
//	simbench -kubeconfig KC -nodes 100 -mode deployment -replicas 1000
//
// It waits for the nodes to be Ready with a pod range first, creates everything in
// its own namespace (kite-simbench-…) and deletes that namespace at the end.
package main
