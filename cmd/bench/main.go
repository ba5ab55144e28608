// Command bench times the lesson's training step on this machine and prints
// one table: backend, net, milliseconds per step, seconds per epoch, GFLOP/s
// and the share of the machine's float32 peak, measured by a small
// fused-multiply-add loop (lib/peak). With -pytorch it also times the
// lesson's own PyTorch code (cmd/bench/pytorch_step.py) in the same
// invocation, alternating with the Go nets round by round so that the
// machine's noise falls on both, and adds the ratio Go / PyTorch.
//
//	go run ./cmd/bench                                       # `make bench`
//	go run ./cmd/bench -pytorch .venv-torch/bin/python       # `make bench-pytorch`
//	go run ./cmd/bench -backends xla:cuda -epoch -paths      # part of `make gpu-check`
//
// Without -pytorch, the table folds in the PyTorch figures of the last
// `make bench-pytorch` (runs/bench/pytorch.json), marked as not side by side.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/bottleneck"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/peak"
	"github.com/learn-gomlx/advanced-cnn/lib/recipe"
	"github.com/learn-gomlx/advanced-cnn/lib/stats"
	"github.com/learn-gomlx/advanced-cnn/lib/steptime"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
)

func main() { command.Main("bench", run) }

// options are the command's flags.
type options struct {
	backends      []string
	nets          []string
	rounds        int
	steps, warmup int
	goSteps       int
	threads       int
	pytorch       string
	pytorchJSON   string
	ompActive     bool
	epoch, paths  bool
	data          string
}

// row is one line of the table.
type row struct {
	Backend string `json:"backend"`
	Net     string `json:"net"`
	// StepMs holds every timed step, in milliseconds, all rounds together.
	StepMs []float64 `json:"step_ms"`
	// CPUMs is the processor time of the timed steps, all threads, in milliseconds.
	CPUMs float64 `json:"cpu_ms"`
	// EpochSeconds is a measured full epoch's training time (-epoch), or 0.
	EpochSeconds float64 `json:"epoch_seconds,omitempty"`
	// GFLOP is the work of one step (or run), in 10⁹ float32 operations.
	GFLOP float64 `json:"gflop"`
	// Vs is the last column: Go / PyTorch, or a path's speed-up.
	Vs string `json:"-"`
}

func (r row) median() float64 { return stats.Median(r.StepMs) }

func run(args []string, stdout, stderr io.Writer) error {
	fs := command.Flags("bench", stderr)
	var o options
	backends := fs.String("backends", "", "comma-separated GoMLX backends to time (default: xla:cpu if its plugin is installed, and go)")
	nets := fs.String("nets", strings.Join(models.Names(), ","), "comma-separated nets to time")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds; each round times every backend and net once (and PyTorch's, with -pytorch), in turn")
	fs.IntVar(&o.steps, "steps", 100, "timed steps per round on XLA (and PyTorch)")
	fs.IntVar(&o.warmup, "warmup", 10, "untimed steps before each round's timed steps")
	fs.IntVar(&o.goSteps, "go-steps", 5, "timed steps per round on the slow pure-Go backend")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "threads for PyTorch and for the peak loop")
	fs.StringVar(&o.pytorch, "pytorch", "", "a Python with torch (`make bench-pytorch` makes .venv-torch): time the lesson's PyTorch nets alternately with ours")
	fs.StringVar(&o.pytorchJSON, "pytorch-json", "runs/bench/pytorch.json", "PyTorch figures: written with -pytorch, read without it")
	fs.BoolVar(&o.ompActive, "pytorch-omp-active", false, "leave PyTorch's OpenMP threads spin-waiting (its default) instead of OMP_WAIT_POLICY=PASSIVE")
	fs.BoolVar(&o.epoch, "epoch", false, "also time one full training epoch on MNIST per backend and net")
	fs.BoolVar(&o.paths, "paths", false, fmt.Sprintf("also time the lesson's 1x1 bottleneck against the plain 5x5 (batch %d, forward+backward)", recipe.BatchSize))
	fs.StringVar(&o.data, "data", "data", "folder with the MNIST files, for -epoch")
	if err := command.Parse(fs, args); err != nil {
		return err
	}
	if o.rounds < 1 || o.steps < 1 || o.goSteps < 1 || o.warmup < 0 || o.threads < 1 {
		return errors.New("-rounds, -steps, -go-steps and -threads must be at least 1, -warmup at least 0")
	}
	o.nets = strings.Split(*nets, ",")
	for _, n := range o.nets {
		if _, err := models.ByName(n); err != nil {
			return err
		}
	}
	if *backends != "" {
		o.backends = strings.Split(*backends, ",")
	} else {
		if _, ok := backend.Plugins()["cpu"]; ok {
			o.backends = append(o.backends, "xla:cpu")
		}
		o.backends = append(o.backends, "go")
	}

	fmt.Fprintf(stderr, "measuring the float32 peak (%d threads)...\n", o.threads)
	pk, perr := peak.Measure(o.threads, 2*time.Second)
	load0 := loadAverage()

	// One step timer per backend and net, compiled once, reused every round.
	type timed struct {
		row   *row
		timer *steptime.StepTimer
		steps int
	}
	var goRows []*timed
	var pyRows []*row
	backendsByName := map[string]compute.Backend{}
	for _, config := range o.backends {
		b, choice, err := backend.NewFrom(backend.Choice{Config: config, Reason: "requested by bench", Explicit: true})
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, choice)
		backendsByName[config] = b
		for _, net := range o.nets {
			fmt.Fprintf(stderr, "compiling %s on %s...\n", net, config)
			t, err := steptime.NewStepTimer(b, training.DefaultConfig(net))
			if err != nil {
				return err
			}
			steps := o.steps
			if config == "go" {
				steps = o.goSteps
			}
			goRows = append(goRows, &timed{row: &row{Backend: config, Net: net}, timer: t, steps: steps})
		}
	}
	pyResults := map[string]*pytorchResult{}
	for _, net := range o.nets {
		pyRows = append(pyRows, &row{Net: net})
	}

	for round := 1; round <= o.rounds; round++ {
		for i, net := range o.nets {
			for _, t := range goRows {
				if t.row.Net != net {
					continue
				}
				warm := o.warmup
				if t.row.Backend == "go" {
					warm = min(warm, 1)
				}
				if _, err := t.timer.Time(warm); err != nil {
					return err
				}
				times, err := t.timer.Time(t.steps)
				if err != nil {
					return err
				}
				for _, d := range times {
					t.row.StepMs = append(t.row.StepMs, float64(d.Microseconds())/1000)
				}
				t.row.CPUMs += float64(t.timer.CPU.Microseconds()) / 1000
				fmt.Fprintf(stderr, "round %d: %-8s %-9s median %.1f ms/step\n", round, t.row.Backend, net, float64(stats.Median(times).Microseconds())/1000)
			}
			if o.pytorch != "" {
				res, err := runPyTorch(o, net)
				if err != nil {
					return err
				}
				pyResults[net] = res
				pyRows[i].Backend = "PyTorch " + res.TorchVersion
				pyRows[i].StepMs = append(pyRows[i].StepMs, res.StepMs...)
				pyRows[i].CPUMs += res.CPUMs
				fmt.Fprintf(stderr, "round %d: %-8s %-9s median %.1f ms/step\n", round, "PyTorch", net, res.MedianMs)
			}
		}
	}
	load1 := loadAverage()

	var pyNote string
	if o.pytorch != "" {
		if err := savePyTorch(o.pytorchJSON, pyRows, o.threads); err != nil {
			return err
		}
		wait := "OMP_WAIT_POLICY=PASSIVE"
		if o.ompActive {
			wait = "OpenMP's default waiting"
		}
		pyNote = fmt.Sprintf("PyTorch (%d threads, %s) timed in this run, alternating with Go round by round; saved in %s", o.threads, wait, o.pytorchJSON)
	} else if saved, when, err := loadPyTorch(o.pytorchJSON); err == nil {
		pyRows = nil
		for _, r := range saved {
			if slices.Contains(o.nets, r.Net) {
				pyRows = append(pyRows, r)
			}
		}
		pyNote = fmt.Sprintf("PyTorch figures from %s (%s), an earlier `make bench-pytorch`: not side by side", o.pytorchJSON, when.Format(time.DateTime))
	} else {
		pyRows = nil
		pyNote = "PyTorch not timed: `make bench-pytorch` adds it"
	}

	var rows []*row
	for _, t := range goRows {
		rows = append(rows, t.row)
	}
	if o.epoch {
		if err := timeEpochs(o, backendsByName, rows, stderr); err != nil {
			return err
		}
	}
	rows = append(rows, pyRows...)

	gflop := map[string]float64{}
	for _, net := range o.nets {
		spec, _ := models.ByName(net)
		s, err := models.Summarize(spec.Build)
		if err != nil {
			return err
		}
		// Forward multiplications, times 3 for the backward pass (the
		// gradients of inputs and of weights), times 2 (a multiply-add is
		// two operations), times the batch.
		gflop[net] = float64(s.Table.TotalMults()) * 3 * 2 * recipe.BatchSize / 1e9
	}
	for _, r := range rows {
		r.GFLOP = gflop[r.Net]
		if strings.HasPrefix(r.Backend, "PyTorch") {
			continue
		}
		r.Vs = "—"
		for _, p := range pyRows {
			if p.Net == r.Net && p.median() > 0 {
				r.Vs = fmt.Sprintf("%.2f", r.median()/p.median())
			}
		}
	}
	if o.paths {
		pathRows, err := timePaths(o, backendsByName, stderr)
		if err != nil {
			return err
		}
		rows = append(rows, pathRows...)
	}

	fmt.Fprintf(stdout, "Training step, batch %d (forward, backward, SGD-momentum update), median of %d rounds × %d steps after %d warm-up (pure Go: %d steps)\n",
		recipe.BatchSize, o.rounds, o.steps, o.warmup, o.goSteps)
	fmt.Fprintf(stdout, "machine: %s, %d CPUs; load average %s before, %s after\n", cpuModel(), runtime.NumCPU(), load0, load1)
	if perr != nil {
		fmt.Fprintf(stdout, "float32 peak: not measured (%v)\n", perr)
	} else {
		fmt.Fprintf(stdout, "float32 peak: %s, measured now\n", pk)
	}
	stepsPerEpoch := recipe.StepsPerEpoch
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	epochCol := ""
	if o.epoch {
		epochCol = "epoch, measured\t"
	}
	fmt.Fprintf(tw, "backend\tnet\tms/step\tCPU ms/step\ts/epoch\t%sGFLOP/s\tof peak\tGo/PyTorch\t\n", epochCol)
	for _, r := range rows {
		ms := r.median()
		gflops := r.GFLOP / (ms / 1000)
		share := "—"
		if perr == nil && r.GFLOP > 0 {
			share = fmt.Sprintf("%.0f %%", 100*gflops/pk.GFLOPS)
		}
		perEpoch := "—"
		if !strings.HasPrefix(r.Net, "1x1") {
			perEpoch = fmt.Sprintf("%.1f", ms*float64(stepsPerEpoch)/1000)
		}
		cpu := "—"
		if r.CPUMs > 0 {
			cpu = fmt.Sprintf("%.1f", r.CPUMs/float64(len(r.StepMs)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t", r.Backend, r.Net, ms, cpu, perEpoch)
		if o.epoch {
			if r.EpochSeconds > 0 {
				fmt.Fprintf(tw, "%.1f s\t", r.EpochSeconds)
			} else {
				fmt.Fprint(tw, "—\t")
			}
		}
		vs := r.Vs
		if vs == "" {
			vs = "—"
		}
		fmt.Fprintf(tw, "%.0f\t%s\t%s\t\n", gflops, share, vs)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ms/step is the median wall time; CPU ms/step the mean processor time of the whole process, all threads (on a busy machine it varies less). s/epoch = ms/step × %d steps (training only). GFLOP per step: ", stepsPerEpoch)
	for i, net := range o.nets {
		if i > 0 {
			fmt.Fprint(stdout, ", ")
		}
		fmt.Fprintf(stdout, "%s %.2f", net, gflop[net])
	}
	fmt.Fprintf(stdout, " (forward multiplications × 3 × 2 × %d).\n", recipe.BatchSize)
	if o.paths {
		fmt.Fprintln(stdout, fmt.Sprintf("1x1 rows: the lesson's two paths from 192 to 32 channels on 28x28, batch %d, forward+backward, median of 20 runs; the last column is the measured speed-up of the bottleneck (counted: ", recipe.BatchSize)+
			fmt.Sprintf("%.2f", bottleneck.Lesson.TheoreticalSpeedUp())+").")
	}
	fmt.Fprintln(stdout, pyNote+".")
	return nil
}

// pytorchResult is what pytorch_step.py writes.
type pytorchResult struct {
	TorchVersion string    `json:"torch_version"`
	Net          string    `json:"net"`
	Threads      int       `json:"threads"`
	StepMs       []float64 `json:"step_ms"`
	MedianMs     float64   `json:"median_ms"`
	CPUMs        float64   `json:"cpu_ms"`
}

// runPyTorch runs one round of the PyTorch step timing for net.
func runPyTorch(o options, net string) (*pytorchResult, error) {
	tmp, err := os.CreateTemp("", "bench-pytorch-*.json")
	if err != nil {
		return nil, err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	script := filepath.Join("cmd", "bench", "pytorch_step.py")
	cmd := exec.Command(o.pytorch, script, "--net", net, "--threads", fmt.Sprint(o.threads),
		"--steps", fmt.Sprint(o.steps), "--warmup", fmt.Sprint(o.warmup), "--out", tmp.Name())
	cmd.Stderr = os.Stderr
	if !o.ompActive {
		// On a busy machine, OpenMP threads that spin while they wait for
		// each other make PyTorch's step 10 to 70 times slower (measured here:
		// 973 against 65 ms for the residual net on 2 threads); waiting
		// passively keeps the yardstick from being handicapped.
		cmd.Env = append(os.Environ(), "OMP_WAIT_POLICY=PASSIVE")
	}
	if out, err := cmd.Output(); err != nil {
		return nil, fmt.Errorf("%s %s (run from the repository's root; `make bench-pytorch` installs torch): %w\n%s", o.pytorch, script, err, out)
	}
	data, err := os.ReadFile(tmp.Name())
	if err != nil {
		return nil, err
	}
	var res pytorchResult
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("reading %s's result: %w", script, err)
	}
	if len(res.StepMs) == 0 {
		return nil, fmt.Errorf("%s timed no steps", script)
	}
	return &res, nil
}

// savedPyTorch is the JSON file of a -pytorch run.
type savedPyTorch struct {
	Time    time.Time `json:"time"`
	Machine string    `json:"machine"`
	Threads int       `json:"threads"`
	Rows    []*row    `json:"rows"`
}

func savePyTorch(path string, rows []*row, threads int) error {
	data, err := json.MarshalIndent(savedPyTorch{Time: time.Now().UTC(), Machine: cpuModel(), Threads: threads, Rows: rows}, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func loadPyTorch(path string) ([]*row, time.Time, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	var s savedPyTorch
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", path, err)
	}
	return s.Rows, s.Time, nil
}

// timeEpochs trains each net for one full epoch on MNIST on each backend
// (except the pure-Go one, which takes minutes) and records the training time.
func timeEpochs(o options, backends map[string]compute.Backend, rows []*row, stderr io.Writer) error {
	trainSet, testSet, err := mnist.LoadBoth(o.data)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r.Backend == "go" {
			continue
		}
		cfg := training.DefaultConfig(r.Net)
		cfg.Epochs = 1
		fmt.Fprintf(stderr, "one epoch of %s on %s...\n", r.Net, r.Backend)
		h, err := training.Train(backends[r.Backend], cfg, trainSet, testSet, training.Options{Backend: r.Backend})
		if err != nil {
			return err
		}
		r.EpochSeconds = h.Epochs[0].TrainSeconds
	}
	return nil
}

// timePaths times the lesson's 1x1 comparison at batch 64, forward+backward,
// on each backend but the pure-Go one, as rows of the table.
func timePaths(o options, backends map[string]compute.Backend, stderr io.Writer) ([]*row, error) {
	var rows []*row
	for _, config := range o.backends {
		if config == "go" {
			continue
		}
		var pair [2]*row
		for i, p := range []bottleneck.Path{bottleneck.Plain, bottleneck.Lesson} {
			fmt.Fprintf(stderr, "timing %s on %s...\n", p.Name(), config)
			m, err := bottleneck.Measure(backends[config], p, recipe.BatchSize, true, bottleneck.Options{Warmup: 2, Runs: 20})
			if err != nil {
				return nil, err
			}
			pair[i] = &row{Backend: config, Net: "1x1 lesson: " + p.Name(), GFLOP: float64(p.TrainingMults()) * recipe.BatchSize * 2 / 1e9}
			for _, d := range m.Times {
				pair[i].StepMs = append(pair[i].StepMs, float64(d.Microseconds())/1000)
			}
		}
		pair[1].Vs = fmt.Sprintf("speed-up %.2f", pair[0].median()/pair[1].median())
		rows = append(rows, pair[0], pair[1])
	}
	return rows, nil
}

// cpuModel returns the processor's name from /proc/cpuinfo, or GOARCH.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

// loadAverage returns the 1-minute load average, or "?".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}
