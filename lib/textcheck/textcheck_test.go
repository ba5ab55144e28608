package textcheck

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExtract(t *testing.T) {
	tests := []struct {
		name, md string
		want     []string // Text+Unit, then "<" and the source when there is one
	}{
		{"plain numbers", "120,422,400 against 12,443,648: 9.68 times fewer", []string{"120,422,400", "12,443,648", "9.68"}},
		{"units", "97 % after 1 epoch, 27.5 s per epoch, 8 ms", []string{"97%", "1", "27.5s", "8ms"}},
		{"names are not figures", "conv2, incep1, Inception-v3, d2l, x1, 1st", nil},
		{"kernel sizes", "a 3x3 and a 5x5, 28x28 pixels", []string{"3", "5", "28"}},
		{"code is not text", "the `Conv2d(192, 32, 5)` layer\n```go\nx := 12345\n```\nand 7", []string{"7"}},
		{"comments are not text", "a <!-- 99.9 % --> b", nil},
		{"addresses are not text", "[ResNet](https://arxiv.org/abs/1512.03385), 2016", []string{"2016"}},
		{"a source", "reached 96.69 %<!--from:h.json#epochs.0.test_accuracy*100--> then 98.75", []string{"96.69%<h.json#epochs.0.test_accuracy*100", "98.75"}},
		{"a word between", "389,192 bytes<!--from:w.json#bytes-->", []string{"389,192<w.json#bytes"}},
		{"e-notation", "from 9.3e-2 down to 1.5e-9", []string{"9.3e-2", "1.5e-9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range Extract(tc.md) {
				s := f.Text + f.Unit
				if f.Source != "" {
					s += "<" + f.Source
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Extract(%q) = %q, want %q", tc.md, got, tc.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		text  string
		value float64
		want  bool
	}{
		{"96.69", 96.6899999, true},
		{"96.69", 96.71, false},
		{"9.68", 120422400.0 / 12443648, true},
		{"9.7", 120422400.0 / 12443648, true},
		{"10", 120422400.0 / 12443648, true},
		{"9.6", 120422400.0 / 12443648, false},
		{"120,422,400", 120422400, true},
		{"1.5e-9", 1.46e-9, true},
		{"1.5e-9", 1.44e-9, false},
	}
	for _, tc := range tests {
		f := Extract(tc.text)[0]
		if got := f.Matches(tc.value); got != tc.want {
			t.Errorf("%q matches %v: %v, want %v", tc.text, tc.value, got, tc.want)
		}
	}
}

// writeHistory writes a small history file with the given first test accuracy.
func writeHistory(t *testing.T, root string, accuracy float64) {
	t.Helper()
	js, _ := json.Marshal(map[string]any{"epochs": []map[string]any{{"epoch": 1, "test_accuracy": accuracy}},
		"results": []map[string]any{{"name": "plain-20", "train_accuracy": 0.1017}}})
	if err := os.MkdirAll(filepath.Join(root, "plots"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "plots", "h.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	root := t.TempDir()
	writeHistory(t, root, 0.966899)
	c := &Checker{Root: root, Facts: []float64{120422400, 120422400.0 / 12443648},
		Virtual: map[string]any{"lesson-log": map[string]any{"epochs": []map[string]any{{"test_accuracy": 0.9721}}}}}
	tests := []struct {
		name, md string
		problems []string // figures with a problem
	}{
		{"facts", "120,422,400 multiplications, 9.68 times fewer", nil},
		{"small whole numbers and years", "16 channels, 3 branches, 10 epochs (He et al. 2016)", nil},
		{"an unbacked percentage", "test accuracy passes 97 % after one epoch", []string{"97"}},
		{"an unbacked decimal", "the speed-up is 10.6", []string{"10.6"}},
		{"an unbacked large number", "it took 19,200 images", []string{"19,200"}},
		{"an unbacked time", "ten epochs take about 8 minutes", []string{"8"}},
		{"backed by a file", "the Go run has 96.69 %<!--from:plots/h.json#epochs.0.test_accuracy*100-->", nil},
		{"a selector", "plain-20 fit 10.17 %<!--from:plots/h.json#results.name=plain-20.train_accuracy*100--> of its images", nil},
		{"a stale figure", "the Go run has 96.71 %<!--from:plots/h.json#epochs.0.test_accuracy*100-->", []string{"96.71"}},
		{"a virtual source", "the lesson's 97.21 %<!--from:lesson-log#epochs.0.test_accuracy*100-->", nil},
		{"a bad path", "96.69 %<!--from:plots/h.json#epochs.3.test_accuracy*100-->", []string{"96.69"}},
		{"a missing file", "96.69 %<!--from:plots/none.json#epochs.0.test_accuracy*100-->", []string{"96.69"}},
		{"outside the repository", "96.69 %<!--from:../h.json#epochs.0.test_accuracy*100-->", []string{"96.69"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range c.CheckMarkdown("test", tc.md) {
				got = append(got, p.Figure.Text)
				if !strings.Contains(p.String(), p.Why) || p.Why == "" {
					t.Errorf("problem %v does not say why", p)
				}
			}
			if !slices.Equal(got, tc.problems) {
				t.Errorf("problems with %q: %q, want %q", tc.md, got, tc.problems)
			}
		})
	}
}

// TestFailsWhenACommittedFigureChanges is the check's purpose: a notebook
// quoting a committed result passes, and fails once the result changes.
func TestFailsWhenACommittedFigureChanges(t *testing.T) {
	root := t.TempDir()
	nb := map[string]any{"cells": []map[string]any{
		{"cell_type": "markdown", "source": []string{"The Go run reached\n", "96.69 %<!--from:plots/h.json#epochs.0.test_accuracy*100--> after one epoch.\n"}},
		{"cell_type": "code", "source": "fmt.Println(99.99)"},
	}}
	js, _ := json.Marshal(nb)
	path := filepath.Join(root, "n.ipynb")
	if err := os.WriteFile(path, js, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		accuracy float64
		problems int
	}{{0.9669, 0}, {0.9671, 1}} {
		writeHistory(t, root, tc.accuracy)
		c := &Checker{Root: root}
		problems, err := c.CheckNotebook(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != tc.problems {
			t.Errorf("with the file saying %v: problems %v, want %d", tc.accuracy, problems, tc.problems)
		}
	}
}
