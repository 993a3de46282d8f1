// Package csrcleaner deletes CertificateSigningRequests that have served their
// purpose, as upstream's csrcleaner controller does, so that the CSRs nodes make at
// every join and every certificate renewal do not pile up. A CSR is deleted
// (rules.go):
//
//   - one hour after it was approved, once its certificate is issued;
//   - one hour after it was denied, or after it failed;
//   - 24 hours after it was created, while no condition at all has been set (pending);
//   - 24 hours after it was approved, when no certificate has been issued;
//   - as soon as its issued certificate has expired.
//
// Times are the conditions' lastUpdateTime (the API server sets it when a client
// leaves it empty) and the CSR's creationTimestamp; a CSR without the time a rule
// needs is left alone by that rule, as upstream's.
//
// Where upstream lists every CSR once an hour, this controller computes when each CSR
// falls due and queues it for then; every change to a CSR recomputes it. A deletion
// is made with the UID and resourceVersion the decision was taken on, so a CSR changed
// meanwhile (approved at the last moment, say) is judged again rather than deleted.
//
// Called by the controller manager (package controllers) while it holds the Lease.
package csrcleaner
