package bottleneck

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

// SweepPoint is one path of a sweep over the bottleneck width.
type SweepPoint struct {
	// Path is the path measured; Path.Width is 0 for the plain 5x5 reference.
	Path Path
	// Mults and Params are the path's forward multiplications and parameters
	// for one example, from the formulas of package cost.
	Mults, Params int64
	// TheoreticalSpeedUp is the plain path's multiplications over this path's.
	TheoreticalSpeedUp float64
	// Measurement is the timing of the path.
	Measurement Measurement
	// SpeedUp is the plain path's best time over this path's.
	SpeedUp float64
}

// Sweep measures the plain 5x5 path and then the bottleneck path at each of
// the widths (DefaultWidths when none are given), all with the same batch
// size, mode and options as Measure. The first point is always the plain
// path, the reference of every point's SpeedUp and TheoreticalSpeedUp; the
// others follow in the order of widths. Widths must be between 1 and
// InChannels. It stops at the first error, returning the points measured so far.
func Sweep(backend compute.Backend, widths []int, batch int, backward bool, opts Options) ([]SweepPoint, error) {
	if len(widths) == 0 {
		widths = DefaultWidths()
	}
	for _, w := range widths {
		if w < 1 || w > InChannels {
			return nil, fmt.Errorf("bottleneck sweep: width %d, want 1 to %d channels (the plain path is always measured first)", w, InChannels)
		}
	}
	if _, err := opts.normalize(); err != nil {
		return nil, err
	}
	if backend == nil {
		return nil, errors.New("bottleneck sweep: nil backend")
	}
	if batch < 1 {
		return nil, fmt.Errorf("bottleneck sweep: batch %d, want at least 1", batch)
	}
	paths := []Path{Plain}
	for _, w := range widths {
		paths = append(paths, WithWidth(w))
	}
	points := make([]SweepPoint, 0, len(paths))
	for _, p := range paths {
		m, err := Measure(backend, p, batch, backward, opts)
		if err != nil {
			return points, err
		}
		pt := SweepPoint{Path: p, Mults: p.Mults(), Params: p.Params(), TheoreticalSpeedUp: p.TheoreticalSpeedUp(), Measurement: m}
		pt.SpeedUp = SpeedUp(points0(points, m), m)
		points = append(points, pt)
	}
	return points, nil
}

// points0 is the plain reference: the first point, or m itself while measuring it.
func points0(points []SweepPoint, m Measurement) Measurement {
	if len(points) == 0 {
		return m
	}
	return points[0].Measurement
}

// WriteSweep prints a sweep as a table: one row per path with its
// multiplications and parameters per example, the theoretical speed-up, the
// best and median time of a run and the measured speed-up.
func WriteSweep(w io.Writer, points []SweepPoint) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tmults/example\tparams\ttheory x\tbest\tmedian\tmeasured x\t")
	for _, p := range points {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%s\t%.2f\t\n", p.Path, cost.Thousands(p.Mults), cost.Thousands(p.Params),
			p.TheoreticalSpeedUp, roundDuration(p.Measurement.Best), roundDuration(p.Measurement.Median), p.SpeedUp)
	}
	return tw.Flush()
}

// roundDuration keeps three significant digits or so: 1.23ms, 45.6ms, 1.23s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
