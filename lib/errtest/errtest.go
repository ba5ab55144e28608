// Package errtest checks the error a test case got against the one it
// expects, as the table tests of this repository state it: the pieces the
// error's message must contain, none when the case expects no error.
package errtest

import (
	"strings"
	"testing"
)

// Want fails t at once unless err is what the case expects: no error when
// want holds no non-empty piece, else an error whose message contains every
// non-empty piece of want. It reports whether the case expects no error, so
// that a table test goes on to check the result only then:
//
//	got, err := Parse(tc.in)
//	if !errtest.Want(t, err, tc.wantErr) {
//		return
//	}
func Want(t testing.TB, err error, want ...string) bool {
	t.Helper()
	var pieces []string
	for _, w := range want {
		if w != "" {
			pieces = append(pieces, w)
		}
	}
	if len(pieces) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return true
	}
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", pieces)
		return false
	}
	for _, w := range pieces {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q, want one mentioning %q", err, w)
			return false
		}
	}
	return false
}
