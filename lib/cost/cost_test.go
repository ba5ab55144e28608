package cost_test

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"

	"github.com/learn-gomlx/advanced-cnn/lib/backend/backendtest"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
)

func TestConvOutSize(t *testing.T) {
	tests := []struct {
		in, k, stride, pad, want int
	}{
		{28, 5, 1, 2, 28},   // "same" 5x5, the lesson's worked example
		{28, 1, 1, 0, 28},   // 1x1
		{28, 5, 1, 0, 24},   // conv1 of both nets
		{12, 5, 1, 0, 8},    // conv2 of both nets
		{12, 3, 1, 1, 12},   // Inception 3x3 branch, residual block
		{12, 3, 1, 1, 12},   // avg pool 3, stride 1, padding 1
		{24, 2, 2, 0, 12},   // max pool 2
		{25, 2, 2, 0, 12},   // floor, as PyTorch
		{224, 7, 2, 3, 112}, // ResNet's stem
		{5, 5, 1, 0, 1},     // kernel exactly covers the input
		{4, 5, 1, 0, 0},     // does not fit
		{3, 5, 3, 0, 0},     // does not fit: must not round up to 1 with stride > 1
		{1, 5, 1, 0, 0},
		{28, 5, 0, 2, 0}, // invalid stride
	}
	for _, tc := range tests {
		if got := cost.ConvOutSize(tc.in, tc.k, tc.stride, tc.pad); got != tc.want {
			t.Errorf("ConvOutSize(in=%d, k=%d, stride=%d, pad=%d) = %d, want %d",
				tc.in, tc.k, tc.stride, tc.pad, got, tc.want)
		}
	}
}

func TestConvParams(t *testing.T) {
	tests := []struct {
		inC, outC, k int
		want         int64
	}{
		{1, 10, 5, 260},      // inception conv1
		{88, 20, 5, 44020},   // inception conv2
		{1, 16, 5, 416},      // resnet conv1
		{16, 32, 5, 12832},   // resnet conv2
		{16, 16, 3, 2320},    // one conv of ResidualBlock(16): the block has two, 4,640
		{192, 16, 1, 3088},   // the lesson's bottleneck
		{16, 32, 5, 12832},   // the 5x5 after the bottleneck
		{192, 32, 5, 153632}, // the plain 5x5
	}
	for _, tc := range tests {
		if got := cost.ConvParams(tc.inC, tc.outC, tc.k); got != tc.want {
			t.Errorf("ConvParams(%d, %d, %d) = %d, want %d", tc.inC, tc.outC, tc.k, got, tc.want)
		}
	}
}

func TestConvMults(t *testing.T) {
	tests := []struct {
		name                 string
		inC, outC, k, oh, ow int
		want                 int64
	}{
		{"plain 5x5 192->32 on 28x28", 192, 32, 5, 28, 28, 120_422_400},
		{"1x1 192->16 on 28x28", 192, 16, 1, 28, 28, 2_408_448},
		{"5x5 16->32 on 28x28", 16, 32, 5, 28, 28, 10_035_200},
		{"inception conv1", 1, 10, 5, 24, 24, 144_000},
		{"no output", 3, 4, 5, 0, 0, 0},
		// No int overflow on large layers: 3·3·512·512·224·224 > 2^31.
		{"large", 512, 512, 3, 224, 224, 118_380_036_096},
	}
	for _, tc := range tests {
		if got := cost.ConvMults(tc.inC, tc.outC, tc.k, tc.oh, tc.ow); got != tc.want {
			t.Errorf("%s: ConvMults = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestWorkedExample is the lesson's opening claim: a 16-channel 1x1
// bottleneck in front of a 5x5 convolution from 192 to 32 channels on 28x28
// cuts its multiplications about ten-fold.
func TestWorkedExample(t *testing.T) {
	const h, w = 28, 28
	out := cost.ConvOutSize(h, 5, 1, 2)
	if out != 28 {
		t.Fatalf("same-padded 5x5 gives %d, want 28", out)
	}
	plain := cost.ConvMults(192, 32, 5, h, w)
	reduce := cost.ConvMults(192, 16, 1, h, w)
	conv5 := cost.ConvMults(16, 32, 5, h, w)
	if plain != 120_422_400 {
		t.Errorf("plain 5x5: %d multiplications, want 120,422,400", plain)
	}
	if reduce != 2_408_448 {
		t.Errorf("1x1 bottleneck: %d multiplications, want 2,408,448", reduce)
	}
	if conv5 != 10_035_200 {
		t.Errorf("5x5 after bottleneck: %d multiplications, want 10,035,200", conv5)
	}
	if reduce+conv5 != 12_443_648 {
		t.Errorf("bottleneck path: %d multiplications, want 12,443,648", reduce+conv5)
	}
	ratio := float64(plain) / float64(reduce+conv5)
	if got := math.Round(ratio*100) / 100; got != 9.68 {
		t.Errorf("ratio %.4f rounds to %.2f, want 9.68", ratio, got)
	}
	tbl := cost.Table{Layers: []cost.Layer{
		{Name: "/reduce", Kind: "conv 1x1", OutShape: []int{16, 28, 28}, Params: cost.ConvParams(192, 16, 1), Mults: reduce},
		{Name: "/conv5x5", Kind: "conv 5x5", OutShape: []int{32, 28, 28}, Params: cost.ConvParams(16, 32, 5), Mults: conv5},
	}}
	if got := tbl.TotalMults(); got != 12_443_648 {
		t.Errorf("table total %d, want 12,443,648", got)
	}
	if got := tbl.TotalParams(); got != 3088+12832 {
		t.Errorf("table params %d, want %d", got, 3088+12832)
	}
}

func TestDense(t *testing.T) {
	tests := []struct {
		in, out       int
		params, mults int64
	}{
		{1408, 10, 14090, 14080}, // inception fc
		{512, 10, 5130, 5120},    // resnet fc
		{1, 1, 2, 1},
		{0, 5, 5, 0},
	}
	for _, tc := range tests {
		if got := cost.DenseParams(tc.in, tc.out); got != tc.params {
			t.Errorf("DenseParams(%d, %d) = %d, want %d", tc.in, tc.out, got, tc.params)
		}
		if got := cost.DenseMults(tc.in, tc.out); got != tc.mults {
			t.Errorf("DenseMults(%d, %d) = %d, want %d", tc.in, tc.out, got, tc.mults)
		}
	}
}

func TestAvgPoolMults(t *testing.T) {
	tests := []struct {
		c, h, w int
		want    int64
	}{
		{10, 12, 12, 1440}, // avg pool of InceptionA(10)
		{20, 4, 4, 320},    // avg pool of InceptionA(20)
		{192, 28, 28, 150528},
		{0, 28, 28, 0},
	}
	for _, tc := range tests {
		if got := cost.AvgPoolMults(tc.c, tc.h, tc.w); got != tc.want {
			t.Errorf("AvgPoolMults(%d, %d, %d) = %d, want %d", tc.c, tc.h, tc.w, got, tc.want)
		}
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"},
		{7, "7"},
		{999, "999"},
		{1000, "1,000"},
		{97298, "97,298"},
		{100000, "100,000"},
		{120422400, "120,422,400"},
		{12443648, "12,443,648"},
		{-1, "-1"},
		{-1000, "-1,000"},
		{-123456, "-123,456"},
		{math.MaxInt64, "9,223,372,036,854,775,807"},
		{math.MinInt64, "-9,223,372,036,854,775,808"},
	}
	for _, tc := range tests {
		if got := cost.Thousands(tc.n); got != tc.want {
			t.Errorf("Thousands(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestTableTotals(t *testing.T) {
	tests := []struct {
		name          string
		layers        []cost.Layer
		params, mults int64
	}{
		{"empty", nil, 0, 0},
		{"pool only", []cost.Layer{{Name: "/mp", Kind: "max pool 2"}}, 0, 0},
		{"inception net parameters", []cost.Layer{
			{Name: "/conv1", Params: 260}, {Name: "/incep1", Params: 19104}, {Name: "/conv2", Params: 44020},
			{Name: "/incep2", Params: 19824}, {Name: "/fc", Params: 14090},
		}, 97298, 0},
		{"mixed", []cost.Layer{{Params: 1, Mults: 10}, {Params: 2, Mults: 20}, {Mults: 30}}, 3, 60},
	}
	for _, tc := range tests {
		tbl := cost.Table{Layers: tc.layers}
		if got := tbl.TotalParams(); got != tc.params {
			t.Errorf("%s: TotalParams = %d, want %d", tc.name, got, tc.params)
		}
		if got := tbl.TotalMults(); got != tc.mults {
			t.Errorf("%s: TotalMults = %d, want %d", tc.name, got, tc.mults)
		}
	}
}

func TestTableWrite(t *testing.T) {
	tbl := cost.Table{Layers: []cost.Layer{
		{Name: "/reduce", Kind: "conv 1x1", OutShape: []int{16, 28, 28}, Params: 3088, Mults: 2_408_448},
		{Name: "/conv5x5", Kind: "conv 5x5", OutShape: []int{32, 28, 28}, Params: 12832, Mults: 10_035_200},
		{Name: "/mp", Kind: "max pool 2", OutShape: []int{32, 14, 14}},
	}}
	var sb strings.Builder
	if err := tbl.Write(&sb); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header, 3 rows and a total, got %d lines:\n%s", len(lines), out)
	}
	wantFields := [][]string{
		{"layer", "kind", "output", "params", "mults", "share"},
		{"/reduce", "conv", "1x1", "16x28x28", "3,088", "2,408,448", "19.4%"},
		{"/conv5x5", "conv", "5x5", "32x28x28", "12,832", "10,035,200", "80.6%"},
		{"/mp", "max", "pool", "2", "32x14x14", "0", "0", "0.0%"},
		{"total", "15,920", "12,443,648", "100.0%"},
	}
	for i, want := range wantFields {
		if got := strings.Fields(lines[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("line %d: fields %q, want %q", i, got, want)
		}
	}
	// Right-aligned columns: every line has the same width.
	for i, l := range lines {
		if len(l) != len(lines[0]) {
			t.Errorf("line %d is %d wide, the header %d: columns are not aligned:\n%s", i, len(l), len(lines[0]), out)
			break
		}
	}

	// An empty table (or one without multiplications) prints 0% shares, not NaN.
	sb.Reset()
	empty := cost.Table{Layers: []cost.Layer{{Name: "/mp", Kind: "max pool 2", OutShape: []int{1, 2, 2}}}}
	if err := empty.Write(&sb); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sb.String(), "NaN") || !strings.Contains(sb.String(), "0.0%") {
		t.Errorf("table without multiplications:\n%s", sb.String())
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestTableWriteError(t *testing.T) {
	tbl := cost.Table{Layers: []cost.Layer{{Name: "/x", Mults: 1}}}
	if err := tbl.Write(errWriter{}); err == nil {
		t.Error("Write to a failing writer gave no error")
	}
}

func TestAttachRecord(t *testing.T) {
	b := backendtest.Get(t, "go")

	// Without Attach, Record does nothing (and does not panic).
	g := graph.NewGraph(b, "no table")
	defer g.Finalize()
	cost.Record(g, cost.Layer{Name: "/ignored", Mults: 1})
	if late := cost.Attach(g); len(late.Layers) != 0 {
		t.Errorf("a layer recorded before Attach ended up in the table: %+v", late.Layers)
	}

	// With Attach, layers are recorded in order into the returned table.
	g2 := graph.NewGraph(b, "with table")
	defer g2.Finalize()
	tbl := cost.Attach(g2)
	if tbl == nil || len(tbl.Layers) != 0 {
		t.Fatalf("Attach returned %v, want an empty table", tbl)
	}
	l1 := cost.Layer{Name: "/reduce", Kind: "conv 1x1", OutShape: []int{16, 28, 28}, Params: 3088, Mults: 2_408_448}
	l2 := cost.Layer{Name: "/conv5x5", Kind: "conv 5x5", OutShape: []int{32, 28, 28}, Params: 12832, Mults: 10_035_200}
	cost.Record(g2, l1)
	cost.Record(g2, l2)
	if !reflect.DeepEqual(tbl.Layers, []cost.Layer{l1, l2}) {
		t.Errorf("recorded %+v, want %+v", tbl.Layers, []cost.Layer{l1, l2})
	}
	if tbl.TotalMults() != 12_443_648 {
		t.Errorf("recorded total %d, want 12,443,648", tbl.TotalMults())
	}

	// Tables are per graph, and a new Attach starts afresh.
	tbl2 := cost.Attach(g2)
	if len(tbl2.Layers) != 0 || len(tbl.Layers) != 2 {
		t.Errorf("re-Attach: new table has %d layers (want 0), old %d (want 2)", len(tbl2.Layers), len(tbl.Layers))
	}
	cost.Record(g2, l1)
	if len(tbl2.Layers) != 1 || len(tbl.Layers) != 2 {
		t.Errorf("after re-Attach, Record went to the wrong table: new %d layers, old %d", len(tbl2.Layers), len(tbl.Layers))
	}
}
