// Command train trains one of the lesson's nets on MNIST with the lesson's
// recipe, printing the lesson's log lines, and saves the history (JSON and CSV)
// and a checkpoint after every epoch.
//
//	go run ./cmd/train -model inception -epochs 10 -seed 1 -out runs/inception
//	go run ./cmd/train -model inception -out runs/inception -resume
//	go run ./cmd/train -model resnet -summary
//	go run ./cmd/train -out runs/inception -export plots/inception   # the run's weights, for lesson.Pretrained
//	go run ./cmd/train -model resnet -epochs 1 -memlog -memprofile /tmp/heap.prof  # where the memory goes (docs/memory.md)
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
	"github.com/learn-gomlx/advanced-cnn/lib/command"
	"github.com/learn-gomlx/advanced-cnn/lib/cost"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
	"github.com/learn-gomlx/advanced-cnn/lib/procmem"
	"github.com/learn-gomlx/advanced-cnn/lib/training"
	"github.com/learn-gomlx/advanced-cnn/lib/weights"
)

func main() { command.Main("train", run) }

// run is the program, writing its report to stdout and its progress bar to stderr.
func run(args []string, stdout, stderr io.Writer) error {
	def := training.DefaultConfig("inception")
	fs := command.Flags("train", stderr)
	cfg := def
	fs.StringVar(&cfg.Model, "model", def.Model, "model to train: "+strings.Join(models.Names(), " or "))
	fs.IntVar(&cfg.Epochs, "epochs", def.Epochs, "number of epochs")
	fs.Int64Var(&cfg.Seed, "seed", def.Seed, "seed of the initial weights and of the batch order")
	fs.IntVar(&cfg.BatchSize, "batch", def.BatchSize, "training batch size")
	fs.IntVar(&cfg.EvalBatchSize, "eval-batch", def.EvalBatchSize, "evaluation batch size (speed and memory only)")
	fs.Float64Var(&cfg.LearningRate, "lr", def.LearningRate, "learning rate of SGD")
	fs.Float64Var(&cfg.Momentum, "momentum", def.Momentum, "momentum of SGD")
	fs.IntVar(&cfg.LogEvery, "log-every", def.LogEvery, "batches per loss log line")
	out := fs.String("out", "", "output folder for the checkpoint and the history (default runs/<model>)")
	resume := fs.Bool("resume", false, "continue from the checkpoint in -out")
	dataDir := mnist.DirFlag(fs)
	backendFlag := backend.Flag(fs)
	summary := fs.Bool("summary", false, "print the per-layer table of the model and exit")
	export := fs.String("export", "", "write the trained weights of the checkpoint in -out to this folder (weights.bin, weights.json) and exit")
	memlog := fs.Bool("memlog", false, "print the process's memory (resident set, its peak, the Go heap) at each stage to stderr")
	arenas := fs.Int("malloc-arenas", 0, "glibc malloc arenas for XLA's threads, set before the backend starts (0: glibc's default, 8 per core); 1 lowers the Inception net's peak by about 50 MiB but slowed its steps, see docs/memory.md")
	memprofile := fs.String("memprofile", "", "write a Go heap profile to this file after the first epoch's last step, when the data and the compiled step are live (go tool pprof -sample_index=inuse_space)")
	if err := command.Parse(fs, args); err != nil {
		return err
	}
	if *export != "" {
		return exportWeights(*out, *export, stdout)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if *arenas < 0 {
		return fmt.Errorf("-malloc-arenas must be 0 (glibc's default) or more, got %d", *arenas)
	}
	if *arenas > 0 {
		procmem.LimitCArenas(*arenas)
	}
	mem := memLogger{w: stderr, on: *memlog}
	mem.log("start")

	b, choice, err := backend.NewFrom(backend.ChooseFlag(*backendFlag))
	if err != nil {
		return err
	}
	defer b.Finalize()
	fmt.Fprintln(stdout, choice)
	mem.log("backend created")

	spec, _ := models.ByName(cfg.Model)
	if *summary {
		s, err := models.Summarize(spec.Build)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%s: per example, batch 1\n\n", spec.Title)
		if err := s.Table.Write(stdout); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\ntrainable parameters: %s\n", cost.Thousands(int64(s.TrainableParams)))
		return nil
	}

	if *out == "" {
		*out = "runs/" + cfg.Model
	}
	if err := training.CheckWritableDir(*out); err != nil { // before the slow part
		return err
	}
	trainSet, testSet, err := mnist.LoadBoth(*dataDir)
	if err != nil {
		return err
	}
	mem.log("data loaded")
	fmt.Fprintf(stdout, "%s, %d epochs, batch %d, SGD lr %g momentum %g, seed %d; writing to %s\n",
		spec.Title, cfg.Epochs, cfg.BatchSize, cfg.LearningRate, cfg.Momentum, cfg.Seed, *out)

	bar := newProgressBar(stderr)
	h, err := training.Train(b, cfg, trainSet, testSet, training.Options{
		OutDir:  *out,
		Resume:  *resume,
		Backend: choice.Config,
		Hooks: training.Hooks{
			OnStep: func(p training.Progress) error {
				bar.update(p)
				if p.Step == 1 || p.Step == p.StepsPerEpoch {
					bar.clear()
					mem.log(fmt.Sprintf("epoch %d step %d", p.Epoch, p.Step))
				}
				if p.Step == p.StepsPerEpoch && *memprofile != "" {
					err := writeHeapProfile(*memprofile)
					*memprofile = "" // once
					return err
				}
				return nil
			},
			OnLog: func(l training.LogLine) error { bar.clear(); fmt.Fprintln(stdout, l); return nil },
			OnEpoch: func(e training.EpochResult) error {
				bar.clear()
				fmt.Fprintln(stdout, e)
				mem.log(fmt.Sprintf("epoch %d evaluated and saved", e.Epoch))
				return nil
			},
		},
	})
	bar.clear()
	mem.log("trained")
	if h != nil && len(h.Epochs) > 0 {
		final, _ := h.Final()
		fmt.Fprintf(stdout, "after %d epochs: test accuracy %.2f %%; history in %s/%s, checkpoint in %s/%s\n",
			final.Epoch, 100*final.TestAccuracy, *out, layout.HistoryFile, *out, training.CheckpointFile)
	}
	if err != nil && h != nil && len(h.Epochs) > 0 {
		return errors.Join(err, fmt.Errorf("the checkpoint of epoch %d is kept in %s: fix the cause and rerun with -resume", len(h.Epochs), *out))
	}
	return err
}

// exportWeights writes the weights of the checkpoint in runDir to dir.
func exportWeights(runDir, dir string, stdout io.Writer) error {
	if runDir == "" {
		return errors.New("-export needs -out, the folder of the run whose checkpoint to export")
	}
	ckpt, err := training.LoadCheckpoint(runDir)
	if err != nil {
		return err
	}
	if err := weights.Export(ckpt, dir); err != nil {
		return err
	}
	w, err := weights.Load(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: the weights of %s after %d epochs (seed %d, test accuracy %.2f %%): %s parameters, %d bytes, sha256 %s\n",
		dir, w.Index.Model, w.Index.Epochs, w.Index.Seed, 100*w.Index.TestAccuracy, cost.Thousands(int64(w.Index.Params)), w.Index.Bytes, w.Index.SHA256)
	return nil
}

// memLogger prints procmem snapshots when on.
type memLogger struct {
	w  io.Writer
	on bool
}

// log prints the process's memory now, labelled, if the logger is on.
func (m memLogger) log(label string) {
	if !m.on {
		return
	}
	s, err := procmem.Read(label)
	fmt.Fprintln(m.w, "memory:", s)
	if err != nil {
		fmt.Fprintln(m.w, "memory:", err)
	}
}

// writeHeapProfile writes the Go heap profile, after a garbage collection, to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("-memprofile: %w", err)
	}
	return f.Close()
}

// progressBar draws one self-updating line on a terminal (steps/s and ETA),
// or a plain line every tenth of an epoch elsewhere.
type progressBar struct {
	w        io.Writer
	terminal bool
	last     time.Time
	shown    bool
	first    int // global step of the first update, for the rate
	start    time.Duration
}

func newProgressBar(w io.Writer) *progressBar {
	terminal := false
	if f, ok := w.(*os.File); ok {
		st, err := f.Stat()
		terminal = err == nil && st.Mode()&os.ModeCharDevice != 0
	}
	return &progressBar{w: w, terminal: terminal, first: -1}
}

func (b *progressBar) update(p training.Progress) {
	if b.first < 0 {
		b.first, b.start = p.GlobalStep, p.Elapsed
	}
	done := p.Step == p.StepsPerEpoch
	if b.terminal && !done && time.Since(b.last) < 200*time.Millisecond {
		return
	}
	if !b.terminal && p.Step%max(1, p.StepsPerEpoch/10) != 0 {
		return
	}
	b.last = time.Now()
	rate := 0.0
	if d := (p.Elapsed - b.start).Seconds(); d > 0 {
		rate = float64(p.GlobalStep-b.first) / d
	}
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(p.AllSteps-p.GlobalStep)/rate) * time.Second).Round(time.Second).String()
	}
	const width = 24
	filled := width * p.Step / p.StepsPerEpoch
	line := fmt.Sprintf("epoch %d/%d [%s%s] %d/%d  %.1f steps/s  ETA %s  loss %.3f",
		p.Epoch, p.Epochs, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		p.Step, p.StepsPerEpoch, rate, eta, p.Loss)
	if b.terminal {
		fmt.Fprintf(b.w, "\r%s\x1b[K", line)
		b.shown = true
	} else {
		fmt.Fprintln(b.w, line)
	}
}

func (b *progressBar) clear() {
	if b.shown {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.shown = false
	}
}
