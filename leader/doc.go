// Package leader runs work only while this process holds a Lease: the campaign loop that
// upstream's kube-controller-manager and kube-scheduler both run, on client-go's leader
// election, so that several servers may run the same component and only one acts.
//
// Run campaigns, hands the work a context that ends when the Lease is lost, waits for
// the work to return, and campaigns again, until its own context ends; the Lease is
// released on the way out. Called by the controller manager and the scheduler.
package leader
