// Package cost counts the parameters and multiplications of convolution,
// dense and pooling layers from their shapes, and collects them into per-layer
// tables as a model graph is built.
//
// Counts are per example (batch 1): a stride-1 "same"-padded convolution from
// Cin to Cout channels with a k×k kernel on an H×W map costs k·k·H·W·Cin·Cout
// multiplications, the figure the lesson uses for the 1x1 bottleneck argument.
package cost

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gomlx/gomlx/core/graph"
)

// ConvOutSize is the spatial output size of a convolution or pooling window of
// size k with the given stride and padding (on each side) over an input of size in,
// as PyTorch computes it: floor((in+2·pad-k)/stride) + 1. It is 0 when the
// window does not fit the padded input or the stride is not positive.
func ConvOutSize(in, k, stride, pad int) int {
	span := in + 2*pad - k
	if span < 0 || stride < 1 {
		// Go's division truncates towards zero, so without this check a window
		// wider than the input would still give 1 output with a stride above 1.
		return 0
	}
	return span/stride + 1
}

// ConvParams is the number of trainable parameters of a 2D convolution with a
// k×k kernel from inC to outC channels, weights plus one bias per output channel.
func ConvParams(inC, outC, k int) int64 {
	return int64(outC)*int64(inC)*int64(k)*int64(k) + int64(outC)
}

// ConvMults is the number of multiplications of a 2D convolution with a k×k
// kernel from inC to outC channels producing an outH×outW map: each output
// value is a dot product of length k·k·inC.
func ConvMults(inC, outC, k, outH, outW int) int64 {
	return int64(k) * int64(k) * int64(outH) * int64(outW) * int64(inC) * int64(outC)
}

// DenseParams is the number of trainable parameters of a dense (linear) layer.
func DenseParams(in, out int) int64 { return int64(in)*int64(out) + int64(out) }

// DenseMults is the number of multiplications of a dense (linear) layer.
func DenseMults(in, out int) int64 { return int64(in) * int64(out) }

// AvgPoolMults is the number of multiplications of an average pool producing
// c×outH×outW values: one scaling of each window sum. Max pooling multiplies nothing.
func AvgPoolMults(c, outH, outW int) int64 { return int64(c) * int64(outH) * int64(outW) }

// Layer is one row of a cost table.
type Layer struct {
	// Name is the layer's scope path in the model, e.g. "/incep1/branch5x5_2".
	Name string
	// Kind says what the layer is, e.g. "conv 5x5", "max pool 2", "dense".
	Kind string
	// OutShape is the per-example output shape, channels first (C, H, W) or (features).
	OutShape []int
	// Params is the number of trainable parameters the layer creates.
	Params int64
	// Mults is the number of multiplications for one example.
	Mults int64
}

// Table is the list of layers of a model, in the order they were built.
type Table struct {
	Layers []Layer
}

// TotalParams sums the parameters of all layers.
func (t *Table) TotalParams() int64 {
	var n int64
	for _, l := range t.Layers {
		n += l.Params
	}
	return n
}

// TotalMults sums the multiplications of all layers.
func (t *Table) TotalMults() int64 {
	var n int64
	for _, l := range t.Layers {
		n += l.Mults
	}
	return n
}

// Write prints the table with one row per layer (name, kind, output shape,
// parameters, multiplications and their share of the total) and a totals row,
// names left-aligned and numbers right-aligned.
func (t *Table) Write(w io.Writer) error {
	total := t.TotalMults()
	rows := [][]string{{"layer", "kind", "output", "params", "mults", "share"}}
	for _, l := range t.Layers {
		share := 0.0
		if total > 0 {
			share = 100 * float64(l.Mults) / float64(total)
		}
		rows = append(rows, []string{l.Name, l.Kind, shapeString(l.OutShape),
			Thousands(l.Params), Thousands(l.Mults), fmt.Sprintf("%.1f%%", share)})
	}
	rows = append(rows, []string{"total", "", "", Thousands(t.TotalParams()), Thousands(total), "100.0%"})
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, cell := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < 2 { // name and kind
				b.WriteString(cell + pad)
			} else {
				b.WriteString(pad + cell)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func shapeString(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

// Thousands formats n with commas between groups of three digits: 97298 -> "97,298".
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

type tableKey struct{}

// Attach makes layers built on g record themselves into a new table, which it returns.
func Attach(g *graph.Graph) *Table {
	t := &Table{}
	g.AttachState(tableKey{}, t)
	return t
}

// Record adds a layer to the table attached to g, if any; without a table it does nothing.
func Record(g *graph.Graph, l Layer) {
	if t, ok := g.State(tableKey{}).(*Table); ok {
		t.Layers = append(t.Layers, l)
	}
}
