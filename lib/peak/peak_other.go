//go:build !amd64 || !cgo

package peak

func bestKernel() (kernel, bool) { return kernel{}, false }
