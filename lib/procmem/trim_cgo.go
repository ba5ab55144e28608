//go:build linux && cgo

package procmem

/*
#include <malloc.h>
*/
import "C"

// TrimCHeap gives the memory that C code has freed back to the system:
// glibc's malloc_trim(0). XLA's compiler frees most of what it allocates
// (about 130 MiB for a training step of the lesson's nets), but glibc keeps
// the freed pages in its arenas, counted in the resident set, until trimmed.
// It reports whether any memory was given back. It takes milliseconds, a
// few hundred right after a compilation.
func TrimCHeap() bool { return C.malloc_trim(0) == 1 }
