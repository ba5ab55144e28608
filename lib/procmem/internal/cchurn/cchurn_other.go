//go:build !linux || !cgo

// Package cchurn leaves freed C memory behind, as XLA's compiler does, for
// procmem's test of TrimCHeap.
package cchurn

// Supported is false here: no cgo on Linux.
const Supported = false

// Churn does nothing here.
func Churn(n int) (release func()) { return func() {} }
