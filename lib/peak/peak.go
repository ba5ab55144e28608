// Package peak measures this machine's floating-point peak: how many float32
// operations per second its cores reach in a loop of fused multiply-adds with
// no memory traffic and enough independent chains to fill the pipelines. It is
// the yardstick for "share of peak" in the training-step benchmark (cmd/bench):
// a measured figure, not one read from a data sheet.
package peak

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Result is one measurement of the float32 peak.
type Result struct {
	// GFLOPS is the best rate seen, in 10⁹ float32 operations per second
	// (a fused multiply-add counts as two), all threads together.
	GFLOPS float64
	// Threads is the number of threads that ran the loop at the same time.
	Threads int
	// Kernel names the instructions used, e.g. "AVX-512 FMA, 16 lanes".
	Kernel string
}

// String reads like "166.3 GFLOP/s float32 (2 threads, AVX-512 FMA, 16 lanes)".
func (r Result) String() string {
	return fmt.Sprintf("%.1f GFLOP/s float32 (%d threads, %s)", r.GFLOPS, r.Threads, r.Kernel)
}

// ErrUnsupported is returned on processors without a measured kernel here
// (only x86-64 with FMA has one).
var ErrUnsupported = errors.New("peak: no fused multiply-add kernel for this processor")

// Measure runs the loop on threads threads at once (at most one per
// processor), each locked to its own OS thread, for about d in total, in
// several rounds, and returns the best round. Each thread's rate is its
// operations over its own processor time, and the peak is their sum: other
// work on a busy machine makes the threads run less often, but not slower,
// so it hardly changes the result (the wall-clock rate would fall with the load).
func Measure(threads int, d time.Duration) (Result, error) {
	if threads < 1 || threads > runtime.NumCPU() {
		return Result{}, fmt.Errorf("peak: %d threads, want 1 to %d (one per processor)", threads, runtime.NumCPU())
	}
	if d <= 0 {
		return Result{}, fmt.Errorf("peak: duration %s, want more than zero", d)
	}
	k, ok := bestKernel()
	if !ok {
		return Result{}, ErrUnsupported
	}
	// Calibrate the iteration count of one call to about 10 ms on one thread.
	iters := int64(1 << 16)
	for {
		start := time.Now()
		k.run(iters)
		if el := time.Since(start); el > 5*time.Millisecond || iters > 1<<34 {
			iters = max(1, int64(float64(iters)*float64(10*time.Millisecond)/float64(el)))
			break
		}
		iters *= 4
	}
	res := Result{Threads: threads, Kernel: k.name}
	const rounds = 5
	perRound := d / rounds
	for range rounds {
		calls := max(1, int(perRound/(10*time.Millisecond)))
		var wg sync.WaitGroup
		rates := make([]float64, threads)
		start := time.Now()
		for i := range threads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				cpu0 := threadCPU()
				for range calls {
					k.run(iters)
				}
				if cpu := threadCPU() - cpu0; cpu0 >= 0 && cpu > 0 {
					rates[i] = float64(calls) * float64(iters) * k.flopsPerIter / cpu.Seconds() / 1e9
				}
			}()
		}
		wg.Wait()
		sum := 0.0
		for _, r := range rates {
			sum += r
		}
		if sum == 0 { // no thread clock: the wall-clock rate
			sum = float64(threads) * float64(calls) * float64(iters) * k.flopsPerIter / time.Since(start).Seconds() / 1e9
		}
		res.GFLOPS = max(res.GFLOPS, sum)
	}
	return res, nil
}

// kernel is one FMA loop: run(iters) performs iters·flopsPerIter float32 operations.
type kernel struct {
	name         string
	flopsPerIter float64
	run          func(iters int64)
}
