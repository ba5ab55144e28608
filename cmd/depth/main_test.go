package main

import (
	"path/filepath"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/command/commandtest"
)

func TestBadArgumentsAreClearErrors(t *testing.T) {
	commandtest.Refuses(t, "depth", run, []commandtest.Refusal{
		{Args: nil, Want: "-out is needed"},
		{Args: []string{"-out", t.TempDir(), "-only", "medium"}, Want: "choose full or quick"},
		{Args: []string{"-out", filepath.Join(commandtest.PlainFile(t), "depth")}, Want: "can't be created"},
		{Args: []string{"-out", t.TempDir(), "-backend", "nosuch"}, Want: "nosuch"},
		{Args: []string{"-out", t.TempDir(), "-backend", "go", "-data", t.TempDir()}, Want: "make setup"},
		{Args: []string{"-out", t.TempDir(), "extra"}, Want: "unexpected arguments"},
		{Args: []string{"-nosuchflag"}, Want: "not defined"},
	})
}
