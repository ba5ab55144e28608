package capacity

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProject(t *testing.T) {
	s := Student{PeakMiB: 800, CoresPerTraining: 1}
	a := Assumptions{Active: 0.5, Training: 0.5, Headroom: 0.25}
	// limit: 800 MiB × 1.25 = 1000 MiB = 0.977 GiB → 1.0G
	tests := []struct {
		server       Server
		byMem, byCPU int
		class        int
		limitedBy    string
	}{
		{Server{8, 32}, 31, 16, 32, "CPU"},      // (32 - 0.125) / 1.0 = 31; 8 / 0.5 = 16; 16 / 0.5
		{Server{64, 16}, 15, 128, 30, "memory"}, // memory-bound
		{Server{1, 1.125}, 1, 2, 2, "memory"},   // exactly one limit after the overhead
	}
	for _, tc := range tests {
		rows, err := Project(s, a, []Server{tc.server})
		if err != nil {
			t.Fatal(err)
		}
		r := rows[0]
		if r.MemLimitGiB != 1.0 || r.ActiveByMem != tc.byMem || r.ActiveByCPU != tc.byCPU || r.ClassSize != tc.class || r.LimitedBy != tc.limitedBy {
			t.Errorf("%+v: got limit %g, by memory %d, by CPU %d, class %d, %s; want 1.0, %d, %d, %d, %s",
				tc.server, r.MemLimitGiB, r.ActiveByMem, r.ActiveByCPU, r.ClassSize, r.LimitedBy, tc.byMem, tc.byCPU, tc.class, tc.limitedBy)
		}
	}
}

func TestProjectRefusesBadInput(t *testing.T) {
	good := Student{PeakMiB: 800, CoresPerTraining: 1}
	tests := []struct {
		name    string
		s       Student
		a       Assumptions
		servers []Server
		want    string
	}{
		{"no active share", good, Assumptions{0, 0.5, 0.3}, []Server{{8, 32}}, "active share"},
		{"training above 1", good, Assumptions{0.5, 1.5, 0.3}, []Server{{8, 32}}, "training share"},
		{"negative headroom", good, Assumptions{0.5, 0.5, -1}, []Server{{8, 32}}, "headroom"},
		{"nothing measured", Student{}, Assumptions{0.5, 0.5, 0.3}, []Server{{8, 32}}, "no measured"},
		{"no cores", good, Assumptions{0.5, 0.5, 0.3}, []Server{{0, 32}}, "positive core count"},
	}
	for _, tc := range tests {
		if _, err := Project(tc.s, tc.a, tc.servers); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one that says %q", tc.name, err, tc.want)
		}
	}
}

func TestMeasuredTakesTheClassSetting(t *testing.T) {
	b := &Bench{Runs: []Run{
		{Net: "residual", PJRTNProc: "1", ContainerPeakMemMiB: 700, CPUCoresUsed: 0.98},
		{Net: "residual", PJRTNProc: "2", ContainerPeakMemMiB: 900, CPUCoresUsed: 1.9}, // not the class's setting
		{Net: "inception", PJRTNProc: "1", ContainerPeakMemMiB: 780, CPUCoresUsed: 0.95},
	}}
	s, err := Measured(b)
	if err != nil {
		t.Fatal(err)
	}
	if s.PeakMiB != 780 || s.CoresPerTraining != 0.98 {
		t.Errorf("Measured = %+v, want peak 780 MiB and 0.98 cores", s)
	}
	if _, err := Measured(&Bench{}); err == nil {
		t.Error("an empty bench gave no error")
	}
}

func TestReadSaysWhatToRun(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "bench.json"))
	if err == nil || !strings.Contains(err.Error(), "make class-bench") {
		t.Errorf("a missing bench: error %v, want one that names make class-bench", err)
	}
	bad := filepath.Join(t.TempDir(), "bench.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bad); err == nil {
		t.Error("a broken bench.json gave no error")
	}
}
