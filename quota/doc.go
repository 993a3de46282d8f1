// Package quota holds upstream's rules for what an object charges against a
// ResourceQuota: which quota names measure which kind, what a pod, service or claim
// uses of them, and which objects a quota's scopes select.
//
// Two parts must agree on these rules to the letter, and both use this package: the API
// server's quota admission (which charges a create before it is stored) and the quota
// controller (which recounts what is stored). It depends on the API types only, so that
// a client of the API may use it as the server does.
package quota
