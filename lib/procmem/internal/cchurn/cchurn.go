//go:build linux && cgo

// Package cchurn leaves freed C memory behind, as XLA's compiler does, for
// procmem's test of TrimCHeap.
package cchurn

/*
#include <stdlib.h>
#include <string.h>

// churn allocates n bytes in 4 KiB blocks and touches them, then one more
// block above them, and frees all but that last one: the freed pages sit
// below a block in use, where free() alone never gives them back.
static void *churn(size_t n) {
	size_t count = n / 4096;
	void **blocks = malloc(count * sizeof(void *));
	if (blocks == NULL) return NULL;
	for (size_t i = 0; i < count; i++) {
		blocks[i] = malloc(4096);
		if (blocks[i] != NULL) memset(blocks[i], 1, 4096);
	}
	void *pin = malloc(4096);
	for (size_t i = 0; i < count; i++) free(blocks[i]);
	free(blocks);
	return pin;
}
*/
import "C"

import "unsafe"

// Supported is true where Churn works (Linux with cgo).
const Supported = true

// Churn allocates n bytes of C memory in small blocks, touches and frees them,
// keeping one block above them in use; free it with the function returned.
func Churn(n int) (release func()) {
	pin := C.churn(C.size_t(n))
	return func() { C.free(unsafe.Pointer(pin)) }
}
