package procmem

import (
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/errtest"
	"github.com/learn-gomlx/advanced-cnn/lib/procmem/internal/cchurn"
)

func TestParseStatus(t *testing.T) {
	const full = "Name:\ttrain\nVmPeak:\t 2000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nRssAnon:\t     768 kB\nRssFile:\t     256 kB\nThreads:\t5\n"
	tests := []struct {
		name    string
		text    string
		want    Status
		wantErr string
	}{
		{"all four", full, Status{RSS: 1024 << 10, PeakRSS: 2048 << 10, Anon: 768 << 10, File: 256 << 10, Threads: 5}, ""},
		{"no split (old kernel)", "VmHWM:\t10 kB\nVmRSS:\t5 kB\n", Status{RSS: 5 << 10, PeakRSS: 10 << 10}, ""},
		{"no VmHWM", "VmRSS:\t5 kB\n", Status{}, "no VmHWM"},
		{"empty", "", Status{}, "no VmRSS"},
		{"not kB", "VmRSS:\t5 MB\nVmHWM:\t5 kB\n", Status{}, "want a number of kB"},
		{"not a number", "VmRSS:\tfive kB\nVmHWM:\t5 kB\n", Status{}, "VmRSS"},
		{"threads not a number", "VmRSS:\t5 kB\nVmHWM:\t5 kB\nThreads:\tmany\n", Status{}, "Threads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatus(strings.NewReader(tc.text))
			if !errtest.Want(t, err, tc.wantErr) {
				return
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestReadSelf(t *testing.T) {
	s, err := Read("now")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if s.RSS == 0 || s.PeakRSS < s.RSS || s.GoHeap == 0 || s.GoSys < s.GoHeap || s.Threads < 1 {
		t.Errorf("implausible snapshot %+v", s)
	}
	if !strings.HasPrefix(s.String(), "now: RSS ") {
		t.Errorf("String() = %q", s.String())
	}
}

func TestTrimCHeapGivesBackFreedCMemory(t *testing.T) {
	if !cchurn.Supported {
		t.Skip("no glibc heap to trim here")
	}
	before, err := Read("before")
	if err != nil {
		t.Skip(err)
	}
	const n = 64 << 20
	release := cchurn.Churn(n) // 64 MiB allocated, touched and freed in small blocks, as a compiler does
	defer release()
	churned, err := Read("churned")
	if err != nil {
		t.Fatal(err)
	}
	if !TrimCHeap() {
		t.Error("TrimCHeap gave nothing back")
	}
	after, err := Read("trimmed")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("anonymous memory: %d MiB, %d MiB after churning 64 MiB, %d MiB after trimming", before.Anon>>20, churned.Anon>>20, after.Anon>>20)
	if grown := int64(churned.Anon) - int64(before.Anon); grown < n/2 {
		t.Fatalf("freeing the churned C memory already gave back all but %d MiB: the test proves nothing", grown>>20)
	}
	if grown := int64(after.Anon) - int64(before.Anon); grown > n/4 {
		t.Errorf("anonymous memory still %d MiB above the start after trimming", grown>>20)
	}
}

func TestLimitCArenas(t *testing.T) {
	if !cchurn.Supported {
		t.Skip("no glibc heap here")
	}
	tests := []struct {
		n    int
		want bool
	}{{1, true}, {8, true}, {0, false}, {-1, false}}
	for _, tc := range tests {
		if got := LimitCArenas(tc.n); got != tc.want {
			t.Errorf("LimitCArenas(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	LimitCArenas(8) // leave the test process as glibc's default for 2 cores would
}
