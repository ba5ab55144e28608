//go:build !linux || !cgo

package procmem

// TrimCHeap does nothing here: without cgo on Linux there is no glibc heap to
// trim. It reports false.
func TrimCHeap() bool { return false }

// LimitCArenas does nothing here: without cgo on Linux there is no glibc heap
// to configure. It reports false.
func LimitCArenas(n int) bool { return false }
