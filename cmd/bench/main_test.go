package main

import (
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/command/commandtest"
)

// TestRefusals checks that impossible settings are refused before anything
// is built or timed.
func TestRefusals(t *testing.T) {
	commandtest.Refuses(t, "bench", run, []commandtest.Refusal{
		{Args: []string{"-rounds", "0"}, Want: "at least 1"},
		{Args: []string{"-steps", "-5"}, Want: "at least 1"},
		{Args: []string{"-nets", "vgg"}, Want: "unknown model"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
	})
}
