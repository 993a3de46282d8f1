//go:build cgo

package main

// The store's block cache and memtables live in C memory (Pebble allocates them with
// calloc when cgo is on). glibc's malloc keeps what Pebble frees in its arenas: after a
// burst, the blocks of compacted-away tables and the memtables' arenas stay resident
// (about 20 MiB after 10,000 creates and their deletion) until malloc_trim hands the
// free pages back. Other C libraries (musl) have no malloc_trim and return large
// blocks at free, so there is nothing to do.

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
static void kite_trim_c_heap(void) { malloc_trim(0); }
#else
static void kite_trim_c_heap(void) {}
#endif
*/
import "C"

// trimCHeap returns the C heap's free pages to the system.
func trimCHeap() { C.kite_trim_c_heap() }
