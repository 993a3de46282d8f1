// Package registrytest helps the tests of the per-resource registry packages: it serves
// one Resource from a store the test makes through the generic Store, as the API server does,
// and reads the field paths out of a 422 Invalid error.
//
// Only _test.go files import it; it holds no state between calls.
package registrytest
