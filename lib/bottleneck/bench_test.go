package bottleneck_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
)

// goBatch64Env, set to 1, adds batch 64 on the pure-Go backend to BenchmarkPaths.
const goBatch64Env = "BOTTLENECK_BENCH_GO_BATCH64"

// BenchmarkPaths times the lesson's two paths, the plain 5x5 convolution from
// 192 to 32 channels and the 16-channel 1x1 bottleneck followed by the 5x5,
// on every available backend, at batch 1 and 64, forward and
// forward+backward. Sub-benchmarks are named backend/path/batch/mode, e.g.
// "xla:cpu/bottleneck16/batch64/forward+backward".
//
// Each sub-benchmark compiles its graph and runs it once before the timer
// starts (b.Loop), so ns/op is the time of one run, compile excluded; the
// compile time is reported apart as compile-ms. Mmults/op is the
// multiplications of one run (forward+backward counts three forwards) and
// Gmults/s the rate achieved.
//
// On the pure-Go backend only batch 1 runs, unless BOTTLENECK_BENCH_GO_BATCH64=1:
// its im2col convolution materialises the 5x5 patches, about 1 GB at batch 64
// for the plain path, and takes seconds per run.
//
//	go test -run '^$' -bench BenchmarkPaths -benchtime 20x ./lib/bottleneck
func BenchmarkPaths(b *testing.B) {
	for _, config := range backendtest.Configs(b) {
		backend := backendtest.Get(b, config)
		batches := []int{1, 64}
		if config == "go" && os.Getenv(goBatch64Env) != "1" {
			batches = []int{1}
		}
		for _, path := range []bottleneck.Path{bottleneck.Plain, bottleneck.Lesson} {
			for _, batch := range batches {
				for _, backward := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/batch%d/%s", config, path.Name(), batch, bottleneck.Mode(backward))
					b.Run(name, func(b *testing.B) {
						r, err := bottleneck.NewRunner(backend, path, batch, backward) // compiles and runs once
						if err != nil {
							b.Fatal(err)
						}
						defer r.Close()
						if _, err := r.Run(); err != nil { // one more warm-up
							b.Fatal(err)
						}
						for b.Loop() {
							if _, err := r.Run(); err != nil {
								b.Fatal(err)
							}
						}
						mults := path.Mults() * int64(batch)
						if backward {
							mults = path.TrainingMults() * int64(batch)
						}
						b.ReportMetric(float64(mults)/1e6, "Mmults/op")
						if perOp := b.Elapsed().Seconds() / float64(b.N); perOp > 0 {
							b.ReportMetric(float64(mults)/perOp/1e9, "Gmults/s")
						}
						b.ReportMetric(float64(r.Compile().Microseconds())/1e3, "compile-ms")
					})
				}
			}
		}
	}
}
