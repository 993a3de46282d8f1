//go:build !cgo

package main

// trimCHeap has nothing to do without cgo: Pebble then allocates with Go's make, and
// the Go heap's free pages are returned with the rest (memreturn.go).
func trimCHeap() {}
