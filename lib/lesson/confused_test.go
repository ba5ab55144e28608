package lesson

import (
	"slices"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
)

func TestMostConfused(t *testing.T) {
	labels := []int32{4, 4, 4, 9, 9, 3, 3, 7, 1}
	pred := []int32{9, 9, 4, 4, 9, 5, 5, 2, 1}
	c, err := evaluate.NewConfusion(labels, pred)
	if err != nil {
		t.Fatal(err)
	}
	e := &Evaluation{Confusion: c}
	tests := []struct {
		n    int
		want []Confused
	}{
		{2, []Confused{{3, 5, 2}, {4, 9, 2}}}, // ties: by true digit
		{10, []Confused{{3, 5, 2}, {4, 9, 2}, {7, 2, 1}, {9, 4, 1}}},
		{0, []Confused{}},
	}
	for _, tc := range tests {
		if got := e.MostConfused(tc.n); !slices.Equal([]Confused(got), tc.want) {
			t.Errorf("MostConfused(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	for c, want := range map[Confused]string{{4, 9, 12}: "4 taken for 9: 12 times", {7, 2, 1}: "7 taken for 2: once"} {
		if s := c.String(); s != want {
			t.Errorf("String() = %q, want %q", s, want)
		}
	}
	for _, tc := range []struct {
		l    ConfusedList
		want string
	}{{ConfusedList{{3, 5, 2}, {4, 9, 1}}, "3 taken for 5: 2 times; 4 taken for 9: once"}, {nil, "none"}} {
		if s := tc.l.String(); s != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.l, s, tc.want)
		}
	}
}
