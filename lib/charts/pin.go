package charts

import (
	_ "embed"
	"fmt"
	"strings"
)

// echartsPin is the text of echarts.pin, the one home of the echarts pin.
//
//go:embed echarts.pin
var echartsPin string

// Pin is the echarts library the charts inline, as echarts.pin pins it.
type Pin struct {
	// Version is the npm package's version, as npm spells it.
	Version string
	// Integrity is npm's integrity hash of the package's tarball ("sha512-...").
	Integrity string
	// SHA256 is the hex SHA-256 of echarts.min.js.
	SHA256 string
	// Path is where `make setup` installs echarts.min.js, relative to the repository.
	Path string
}

// EchartsPin returns the pin in echarts.pin.
func EchartsPin() (Pin, error) { return parsePin(echartsPin) }

// parsePin reads "key value" lines ('#' starts a comment); every key of Pin
// must be there, once.
func parsePin(text string) (Pin, error) {
	var p Pin
	fields := map[string]*string{"version": &p.Version, "integrity": &p.Integrity, "sha256": &p.SHA256, "path": &p.Path}
	for n, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		dst, ok := fields[f[0]]
		if len(f) != 2 || !ok || *dst != "" {
			return Pin{}, fmt.Errorf("echarts.pin line %d: %q is not one of version, integrity, sha256 or path and its value, once", n+1, line)
		}
		*dst = f[1]
	}
	for k, v := range fields {
		if *v == "" {
			return Pin{}, fmt.Errorf("echarts.pin has no %s", k)
		}
	}
	return p, nil
}
