// Command capacity prints how many students a class server takes, projected
// from what `make class-bench` measured (package capacity): the table of
// docs/classroom.md.
//
//	go run ./cmd/capacity                    # plots/class/bench.json, the classroom page's assumptions
//	go run ./cmd/capacity -active 0.4 -training 1 -servers 32/128
package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/learn-gomlx/advanced-cnn/lib/capacity"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
)

func main() { command.Main("capacity", run) }

func run(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("capacity", stderr)
	bench := fs.String("bench", "plots/class/bench.json", "what `make class-bench` measured")
	active := fs.Float64("active", 0.6, "share of the class active at once (TLJH: start with 0.4 to 0.6)")
	training := fs.Float64("training", 0.5, "share of the active students training at the same moment")
	headroom := fs.Float64("headroom", 0.3, "added to the measured peak for each student's memory limit (TLJH: 0.2 to 0.4)")
	servers := fs.String("servers", "8/32,16/64,64/256", "servers as cores/GB, comma-separated")
	if err := command.Parse(fs, args); err != nil {
		return err
	}
	sv, err := parseServers(*servers)
	if err != nil {
		return err
	}
	b, err := capacity.Read(*bench)
	if err != nil {
		return err
	}
	s, err := capacity.Measured(b)
	if err != nil {
		return fmt.Errorf("%s: %w", *bench, err)
	}
	rows, err := capacity.Project(s, capacity.Assumptions{Active: *active, Training: *training, Headroom: *headroom}, sv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Measured by make class-bench (%s, %d cores): a student's container peaks at %.0f MiB; a training uses %.2f cores.\n",
		b.Date, b.CPUs, s.PeakMiB, s.CoresPerTraining)
	fmt.Fprintf(stdout, "Assumed: %.0f %% of the class active at once, %.0f %% of them training at the same moment, %.0f %% headroom on memory.\n\n",
		*active*100, *training*100, *headroom*100)
	return capacity.WriteTable(stdout, rows)
}

// parseServers reads "8/32,16/64": cores/GB.
func parseServers(s string) ([]capacity.Server, error) {
	var out []capacity.Server
	for _, f := range strings.Split(s, ",") {
		cores, mem, ok := strings.Cut(strings.TrimSpace(f), "/")
		c, err1 := strconv.Atoi(cores)
		m, err2 := strconv.ParseFloat(mem, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("-servers: %q is not cores/GB, e.g. 16/64", f)
		}
		out = append(out, capacity.Server{Cores: c, MemGiB: m})
	}
	return out, nil
}
