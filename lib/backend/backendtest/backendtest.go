// Package backendtest runs a test on every GoMLX backend available here: the
// pure-Go backend always, and XLA's CPU plugin when it is installed. With
// CI=true a missing XLA CPU plugin fails the test, so CI can never quietly run
// on the fallback only. ADVCNN_TEST_BACKENDS, a comma-separated list such as
// "xla:cuda", replaces that choice (`make gpu-check` uses it).
package backendtest

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/compute"

	"github.com/learn-gomlx/advanced-cnn/lib/backend"
)

var (
	mu     sync.Mutex
	cached = map[string]compute.Backend{}
)

// ConfigsEnv names the environment variable that, when set, lists the
// backends to test on instead of the automatic choice.
const ConfigsEnv = "ADVCNN_TEST_BACKENDS"

// Configs returns the backend configurations to test on: "go", and "xla:cpu"
// when its plugin is found. With CI=true it fails t when the plugin is missing.
func Configs(t testing.TB) []string {
	if list := os.Getenv(ConfigsEnv); list != "" {
		return strings.Split(list, ",")
	}
	configs := []string{"go"}
	if _, ok := backend.Plugins()["cpu"]; ok {
		configs = append(configs, "xla:cpu")
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but no XLA CPU plugin is installed: run `make setup` (see `make doctor`)")
	} else {
		t.Logf("XLA CPU plugin not found: testing on the pure-Go backend only (run `make setup` to install it)")
	}
	return configs
}

// Get returns the backend for config, created once per test binary.
func Get(t testing.TB, config string) compute.Backend {
	mu.Lock()
	defer mu.Unlock()
	if b, ok := cached[config]; ok {
		return b
	}
	b, _, err := backend.NewFrom(backend.Choice{Config: config, Reason: "requested by the test", Explicit: true})
	if err != nil {
		t.Fatalf("backend %s: %v", config, err)
	}
	cached[config] = b
	return b
}

// Each runs fn as a subtest on every available backend, named after it.
func Each(t *testing.T, fn func(t *testing.T, b compute.Backend)) {
	for _, config := range Configs(t) {
		t.Run(config, func(t *testing.T) { fn(t, Get(t, config)) })
	}
}
