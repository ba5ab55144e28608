package boundedfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		path    string
		limit   int64
		want    string // the content, when no error
		wantErr error
	}{
		{"under the limit", small, 6, "12345", nil},
		{"at the limit", small, 5, "12345", nil},
		{"over the limit", small, 4, "", ErrTooLarge},
		{"missing", filepath.Join(dir, "none"), 10, "", fs.ErrNotExist},
		{"a device without a size, longer than the limit", "/dev/zero", 1 << 10, "", ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.path, tc.limit)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || got != nil {
					t.Fatalf("Read = %q, %v; want an error wrapping %v", got, err, tc.wantErr)
				}
				if errors.Is(err, ErrTooLarge) && !strings.Contains(err.Error(), tc.path) {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Read = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
