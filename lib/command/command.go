// Package command gives every program in cmd/ its one shape: a run function
// that takes the arguments and the output streams and returns an error
// (Run), which Main runs with the process's and turns into an exit status.
package command

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Run is a command's body: args without the program's name, the report to
// stdout, progress and flag errors to stderr; it returns, never exits.
type Run func(args []string, stdout, stderr io.Writer) error

// Main runs run with os.Args[1:], os.Stdout and os.Stderr and exits with
// the status Status gives.
func Main(name string, run Run) {
	os.Exit(Status(name, run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// Status is the exit status of a command that returned err: 0 for none or
// for -h (flag.ErrHelp, the flags' usage is already printed), otherwise 1,
// after "name: err" on stderr.
func Status(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

// Flags returns the flag set of command name: errors are returned, not
// exits, and the usage goes to stderr.
func Flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// Parse parses args with fs and refuses any argument left after the flags:
// no command in cmd/ takes one. Its errors are fs's (flag.ErrHelp for -h)
// or one that names the arguments left.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: %s takes none", fs.Args(), fs.Name())
	}
	return nil
}
