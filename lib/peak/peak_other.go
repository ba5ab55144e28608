//go:build !amd64 || !cgo

package peak

import "time"

func threadCPU() time.Duration { return -1 }

func bestKernel() (kernel, bool) { return kernel{}, false }
