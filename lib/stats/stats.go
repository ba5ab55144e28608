// Package stats provides the one median the project uses, for step times as
// durations or as milliseconds.
package stats

import "slices"

// Number is any integer or floating-point type, time.Duration included.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 |
		~float32 | ~float64
}

// Median returns the median of xs: the middle value of an odd count, the
// mean of the two middle values of an even one (rounded towards zero for
// integer types), and zero for none. xs is not modified.
func Median[T Number](xs []T) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}
