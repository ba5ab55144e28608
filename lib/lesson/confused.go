package lesson

import (
	"fmt"
	"sort"
	"strings"
)

// Confused is one kind of mistake: test images of digit True that the net
// took for digit Predicted, Count times.
type Confused struct {
	True, Predicted, Count int
}

// String is "4 taken for 9: 12 times" (or "once").
func (c Confused) String() string {
	if c.Count == 1 {
		return fmt.Sprintf("%d taken for %d: once", c.True, c.Predicted)
	}
	return fmt.Sprintf("%d taken for %d: %d times", c.True, c.Predicted, c.Count)
}

// ConfusedList is a list of mistakes, printed one after another.
type ConfusedList []Confused

// String is "4 taken for 9: 12 times; 7 taken for 2: once", or "none".
func (l ConfusedList) String() string {
	if len(l) == 0 {
		return "none"
	}
	parts := make([]string, len(l))
	for i, c := range l {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

// MostConfused lists the evaluation's n most frequent mistakes, most
// frequent first (ties in the order of the true, then the predicted digit),
// so that a notebook prints what its confusion matrix shows instead of
// describing it. Mistakes that never happened are left out.
func (e *Evaluation) MostConfused(n int) ConfusedList {
	var all ConfusedList
	for t, row := range e.Confusion.Counts {
		for p, count := range row {
			if t != p && count > 0 {
				all = append(all, Confused{True: t, Predicted: p, Count: count})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Count > all[j].Count })
	return all[:min(n, len(all))]
}
