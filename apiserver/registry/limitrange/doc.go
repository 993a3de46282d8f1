// Package limitrange holds the rules of core/v1 limit ranges: upstream's container
// defaults (default and defaultRequest from max/min) and validation of limit types and
// min <= defaultRequest <= default <= max. Upstream has no printer for limit ranges, so
// the Store's default NAME / CREATED AT table applies.
//
// Called by apiserver/registry's Store (through Resource().Strategy) and by discovery.
package limitrange
