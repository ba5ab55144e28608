package main

import (
	"strings"
	"testing"
)

func TestLabUser(t *testing.T) {
	tests := []struct {
		uid       int
		name      string
		allowRoot bool
		want      string
	}{
		{0, "root", true, "root:"},
		{0, "", true, "root:"},
		{1000, "teacher", false, "teacher, not root"},
		{1000, "", false, "uid 1000, not root"},
	}
	for _, tc := range tests {
		got := labUser(tc.uid, tc.name)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("labUser(%d, %q) = %q, want it to start with %q", tc.uid, tc.name, got, tc.want)
		}
		if says := strings.Contains(got, "passes --allow-root"); says != tc.allowRoot {
			t.Errorf("labUser(%d, %q) = %q: says it passes --allow-root: %v, want %v", tc.uid, tc.name, got, says, tc.allowRoot)
		}
	}
}
