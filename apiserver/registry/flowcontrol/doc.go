// Package flowcontrol holds the flow-control configuration every upstream API server
// keeps: the mandatory "exempt" and "catch-all" flow schemas and priority levels.
//
// Kite stores them so that clients listing flow-control objects see what they see on
// kube-apiserver; nothing enforces them yet (API priority and fairness is later work).
//
// Called by cmd/ (through the server's start-up) to create the objects once.
package flowcontrol
