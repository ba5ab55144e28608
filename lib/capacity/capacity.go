// Package capacity projects how many students a class server takes, from what
// `make class-bench` measured on this project's machine (plots/class/bench.json),
// by The Littlest JupyterHub's resource estimation
// (https://tljh.jupyter.org/en/latest/howto/admin/resource-estimation.html):
//
//	memory needed = concurrent students × memory limit per student + 128 MB
//	memory limit  = the measured peak of a student's container + headroom (TLJH: 20-40 %)
//	concurrent    = the share of the class active at once (TLJH: start with 40-60 %)
//
// and, for the processors, the share of the active students training at the
// same moment, each training using the cores measured for one training.
// The figures are a projection: measured on one small machine, scaled by
// assumptions that the caller states.
package capacity

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Bench is the part of what `make class-bench` writes (docker/test/class_test.py,
// bench) that the projection reads: one run per student and training.
type Bench struct {
	CPUs int    `json:"cpus"`
	Date string `json:"date"`
	Runs []Run  `json:"runs"`
}

// Run is one student's training of one net, with Concurrent students training at once.
type Run struct {
	Net                 string  `json:"net"`
	Concurrent          int     `json:"concurrent"`
	PJRTNProc           string  `json:"pjrt_nproc"`
	ContainerPeakMemMiB float64 `json:"container_peak_memory_mib"`
	CPUCoresUsed        float64 `json:"cpu_cores_used"`
}

// Read reads a bench.json.
func Read(path string) (*Bench, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make class-bench` as root to measure it)", err)
	}
	defer f.Close()
	var b Bench
	if err := json.NewDecoder(f).Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &b, nil
}

// Student is what one student costs, taken from a Bench: the largest figures of its runs.
type Student struct {
	PeakMiB          float64 // the largest container peak of any run (kernel, gopls, the cell's program, the server)
	CoresPerTraining float64 // the most cores one training used
}

// Measured takes the per-student figures from b's runs at the class's thread
// setting (PJRT_NPROC 1, the hub's default): the heaviest container, and the
// most cores one training used.
func Measured(b *Bench) (Student, error) {
	var s Student
	for _, r := range b.Runs {
		if r.PJRTNProc != "1" {
			continue
		}
		s.PeakMiB = math.Max(s.PeakMiB, r.ContainerPeakMemMiB)
		s.CoresPerTraining = math.Max(s.CoresPerTraining, r.CPUCoresUsed)
	}
	if s.PeakMiB == 0 || s.CoresPerTraining == 0 {
		return s, errors.New("the bench has no run with PJRT_NPROC 1 and a container peak and cores used: run `make class-bench` again")
	}
	return s, nil
}

// Assumptions are the shares and headroom the projection rests on.
type Assumptions struct {
	Active   float64 // share of the class active at once (TLJH: 0.4-0.6)
	Training float64 // share of the active students training at the same moment
	Headroom float64 // added to the measured peak for the memory limit (TLJH: 0.2-0.4)
}

// Validate says what is wrong with a, if anything.
func (a Assumptions) Validate() error {
	for _, v := range []struct {
		name  string
		value float64
	}{{"active share", a.Active}, {"training share", a.Training}} {
		if !(v.value > 0 && v.value <= 1) {
			return fmt.Errorf("the %s is %g: give a share above 0 and at most 1", v.name, v.value)
		}
	}
	if !(a.Headroom >= 0 && a.Headroom <= 4) {
		return fmt.Errorf("the headroom is %g: give a share from 0 to 4 (TLJH suggests 0.2 to 0.4)", a.Headroom)
	}
	return nil
}

// Server is a class server's size.
type Server struct {
	Cores  int
	MemGiB float64
}

// Row is the projection for one server.
type Row struct {
	Server
	MemLimitGiB float64 // per student: the measured peak plus headroom, rounded up to 0.1 GiB
	ActiveByMem int     // students active at once that the memory takes
	ActiveByCPU int     // students active at once that the cores take, with Training of them training
	ClassSize   int     // the class: the smaller of the two, divided by the active share
	LimitedBy   string  // "memory" or "CPU"
}

// overheadGiB is TLJH's overhead for the hub and its services: 128 MB.
const overheadGiB = 128.0 / 1024

// Project gives a Row for each server.
func Project(s Student, a Assumptions, servers []Server) ([]Row, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if s.PeakMiB <= 0 || s.CoresPerTraining <= 0 {
		return nil, errors.New("no measured peak memory or cores per training")
	}
	limit := math.Ceil(s.PeakMiB*(1+a.Headroom)/1024*10-1e-9) / 10
	rows := make([]Row, 0, len(servers))
	for _, sv := range servers {
		if sv.Cores <= 0 || sv.MemGiB <= overheadGiB {
			return nil, fmt.Errorf("server %d cores / %g GiB: give a positive core count and more than 128 MB", sv.Cores, sv.MemGiB)
		}
		r := Row{Server: sv, MemLimitGiB: limit}
		r.ActiveByMem = int((sv.MemGiB - overheadGiB) / limit)
		r.ActiveByCPU = int(float64(sv.Cores) / (a.Training * s.CoresPerTraining))
		active, by := r.ActiveByMem, "memory"
		if r.ActiveByCPU < active {
			active, by = r.ActiveByCPU, "CPU"
		}
		r.ClassSize, r.LimitedBy = int(float64(active)/a.Active), by
		rows = append(rows, r)
	}
	return rows, nil
}

// WriteTable writes rows as a Markdown table.
func WriteTable(w io.Writer, rows []Row) error {
	if _, err := fmt.Fprintln(w, "| server | mem_limit per student | active at once: by memory | by CPU | class size | limited by |\n|---|---|---|---|---|---|"); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, "| %d cores / %g GB | %.1fG | %d | %d | **%d** | %s |\n",
			r.Cores, r.MemGiB, r.MemLimitGiB, r.ActiveByMem, r.ActiveByCPU, r.ClassSize, r.LimitedBy); err != nil {
			return err
		}
	}
	return nil
}
