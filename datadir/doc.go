// Package datadir owns the layout of a Kite data directory and the lock that gives one
// process at a time the right to use it.
//
// A data directory holds everything a server keeps between runs:
//
//	DIR/kite.lock   the lock file (holds the PID of the owning process)
//	DIR/db/         the store (storage/pebble)
//	DIR/pki/        the cluster CA, serving and admin certificates (package pki)
//	DIR/kubeconfig  the admin kubeconfig for kubectl
//
// Invariants: Open creates the directory (0700) if it is missing and takes an exclusive
// flock on DIR/kite.lock before it returns, so no two Kite processes ever touch the same
// store or certificates. The lock belongs to the open file, not to a path or a PID: the
// kernel releases it when the process exits, however it exits, so a server killed with
// SIGKILL never leaves a stale lock behind. The lock file itself is never removed;
// removing it would let a third process lock a new file while the old inode is still
// locked.
//
// cmd/kite calls Open first, before it reads or writes anything else in the directory,
// and Close last.
package datadir
