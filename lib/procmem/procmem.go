// Package procmem reads a process's memory figures from Linux's
// /proc/<pid>/status (resident set now and at its peak) together with the Go
// runtime's own view of its heap, so a program can say where its memory went
// at each stage: after the backend starts, after the data loads, after the
// first step compiles, after evaluation.
//
// On systems without /proc the kernel's figures are zero and Read says so in
// its error; the Go figures are always filled.
package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// MiB is a mebibyte, the unit Snapshot prints.
const MiB = 1 << 20

// Snapshot is a process's memory at one moment, in bytes.
type Snapshot struct {
	Label string
	// RSS is the resident set (VmRSS): pages of the process in RAM now,
	// anonymous memory and mapped files (the XLA plugin's code) alike.
	RSS uint64
	// PeakRSS is the largest RSS so far (VmHWM), what `/usr/bin/time -v`
	// reports as "Maximum resident set size".
	PeakRSS uint64
	// Anon and File split RSS into anonymous memory (heaps: Go's, XLA's
	// malloc) and mapped files (executable code, shared libraries).
	Anon, File uint64
	// Threads is the number of the process's threads (Go's and XLA's pools).
	Threads int
	// GoHeap is the Go heap in use (runtime.MemStats.HeapInuse: live objects
	// and garbage not yet collected) and GoSys all the memory the Go runtime
	// holds from the system and has not given back (Sys - HeapReleased), an
	// upper bound of Go's share of RSS.
	GoHeap, GoSys uint64
}

// Read returns the calling process's memory now, labelled. The error, if any,
// concerns the kernel's figures only (no /proc on this system).
func Read(label string) (Snapshot, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := Snapshot{Label: label, GoHeap: ms.HeapInuse, GoSys: ms.Sys - ms.HeapReleased}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return s, fmt.Errorf("procmem: %w", err)
	}
	k, err := ParseStatus(bytes.NewReader(b))
	if err != nil {
		return s, err
	}
	s.RSS, s.PeakRSS, s.Anon, s.File, s.Threads = k.RSS, k.PeakRSS, k.Anon, k.File, k.Threads
	return s, nil
}

// Status holds the figures of a /proc/<pid>/status file that Snapshot uses, in bytes.
type Status struct {
	RSS, PeakRSS, Anon, File uint64
	Threads                  int
}

// ParseStatus reads VmRSS, VmHWM, RssAnon and RssFile (given in kB) and
// Threads from the text of a /proc/<pid>/status file. It returns an error when
// VmRSS or VmHWM is missing or a value is not a number (of kB).
func ParseStatus(r io.Reader) (Status, error) {
	var s Status
	fields := map[string]*uint64{"VmRSS": &s.RSS, "VmHWM": &s.PeakRSS, "RssAnon": &s.Anon, "RssFile": &s.File}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok && name == "Threads" {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil {
				return s, fmt.Errorf("procmem: Threads: %w", err)
			}
			s.Threads = n
			continue
		}
		dst, want := fields[name]
		if !ok || !want {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return s, fmt.Errorf("procmem: %s is %q, want a number of kB", name, strings.TrimSpace(value))
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return s, fmt.Errorf("procmem: %s: %w", name, err)
		}
		*dst = n * 1024
		seen[name] = true
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("procmem: %w", err)
	}
	for _, name := range []string{"VmRSS", "VmHWM"} {
		if !seen[name] {
			return s, fmt.Errorf("procmem: no %s line in the status file", name)
		}
	}
	return s, nil
}

// String is one line in MiB, e.g. "backend created: RSS 110 MiB (peak 110;
// anon 22, file 88), Go heap 6 MiB of 16 held, 9 threads".
func (s Snapshot) String() string {
	return fmt.Sprintf("%s: RSS %d MiB (peak %d; anon %d, file %d), Go heap %d MiB of %d held, %d threads",
		s.Label, s.RSS/MiB, s.PeakRSS/MiB, s.Anon/MiB, s.File/MiB, s.GoHeap/MiB, s.GoSys/MiB, s.Threads)
}

// Release gives the system back what this process holds but no longer uses:
// Go's garbage (a full collection, then debug.FreeOSMemory) and the C heap's
// freed pages (TrimCHeap). Call it before and after a compilation, when the
// resident set is about to peak or has just done so; it takes milliseconds.
func Release() {
	debug.FreeOSMemory()
	TrimCHeap()
}
