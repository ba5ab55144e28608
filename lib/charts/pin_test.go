package charts

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
)

func TestEchartsPin(t *testing.T) {
	p, err := EchartsPin()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name, value string
		re          string
	}{
		{"version", p.Version, `^[0-9]+\.[0-9]+\.[0-9]+$`},
		{"integrity", p.Integrity, `^sha512-[A-Za-z0-9+/]+=*$`},
		{"sha256", p.SHA256, `^[0-9a-f]{64}$`},
		{"path", p.Path, `^\.tools/.*echarts\.min\.js$`},
	}
	for _, c := range checks {
		if !regexp.MustCompile(c.re).MatchString(c.value) {
			t.Errorf("%s %q does not match %s", c.name, c.value, c.re)
		}
	}
}

// The Makefile reads the pin from echarts.pin, not from a copy of its own.
func TestMakefileReadsThePin(t *testing.T) {
	mk, err := os.ReadFile(layouttest.Path(t, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := EchartsPin()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{p.Version, p.Integrity} {
		if strings.Contains(string(mk), v) {
			t.Errorf("the Makefile repeats %q: read it from lib/charts/echarts.pin", v)
		}
	}
	if !strings.Contains(string(mk), "lib/charts/echarts.pin") {
		t.Error("the Makefile does not read lib/charts/echarts.pin")
	}
}

func TestParsePinErrors(t *testing.T) {
	full := "version 1.2.3\nintegrity sha512-x\nsha256 ab\npath .tools/e.js\n"
	tests := []struct{ name, text, want string }{
		{"missing key", "version 1.2.3\n", "has no"},
		{"unknown key", full + "colour red\n", "line 5"},
		{"repeated key", full + "version 1.2.4\n", "line 5"},
		{"two values", "version 1 2\n", "line 1"},
	}
	for _, tc := range tests {
		if _, err := parsePin(tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if p, err := parsePin("# comment\n" + full); err != nil || p.Path != ".tools/e.js" {
		t.Errorf("parsePin = %+v, %v", p, err)
	}
}
