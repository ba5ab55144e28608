package errtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records a failure instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestWant(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		want       []string
		wantResult bool
		wantFail   string // a piece of the failure message; empty: t does not fail
	}{
		{"no error expected, none got", nil, nil, true, ""},
		{"empty pieces expect no error", nil, []string{"", ""}, true, ""},
		{"no error expected, one got", errors.New("boom"), []string{""}, true, "unexpected error: boom"},
		{"error expected, got", errors.New("bad width 7"), []string{"width"}, false, ""},
		{"every piece is in it", errors.New("bad width 7"), []string{"width", "7", ""}, false, ""},
		{"error expected, none got", nil, []string{"width"}, false, "no error"},
		{"another error got", errors.New("bad height"), []string{"width"}, false, `want one mentioning "width"`},
		{"one piece missing", errors.New("bad width 7"), []string{"width", "8"}, false, `want one mentioning "8"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			got := Want(r, tc.err, tc.want...)
			if got != tc.wantResult {
				t.Errorf("Want = %v, want %v", got, tc.wantResult)
			}
			switch {
			case tc.wantFail == "" && r.failed != "":
				t.Errorf("failed with %q, want no failure", r.failed)
			case tc.wantFail != "" && r.failed == "":
				t.Errorf("did not fail, want a failure mentioning %q", tc.wantFail)
			case tc.wantFail != "" && !strings.Contains(r.failed, tc.wantFail):
				t.Errorf("failed with %q, want one mentioning %q", r.failed, tc.wantFail)
			}
		})
	}
}
