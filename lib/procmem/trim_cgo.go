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

// LimitCArenas caps the number of glibc malloc arenas at n (mallopt
// M_ARENA_MAX), as the environment variable MALLOC_ARENA_MAX does. Call it
// before XLA starts its threads: each thread that allocates takes an arena of
// its own, up to eight per core by default, and XLA's compiler leaves freed
// memory scattered over all of them. With one arena the Inception net's
// one-epoch run peaked at 452 MiB instead of 504 MiB, but its steps took
// more processor time (docs/memory.md). It reports whether the setting was
// made: n must be at least 1.
func LimitCArenas(n int) bool { return n >= 1 && C.mallopt(C.M_ARENA_MAX, C.int(n)) == 1 }
