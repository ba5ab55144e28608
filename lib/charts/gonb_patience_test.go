package charts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/learn-gomlx/advanced-cnn/lib/layout/layouttest"
)

// The GoNB whose page script gonb_patience.js works around (docs/gonb-widget-race.md):
// its version, in go.mod (the gonbui library the notebooks' programs use) and in
// tools/kernel/go.mod (the kernel, which sends the page script), and the SHA-256 of that
// page script, internal/websocket/websocket.js.
const (
	pinnedGonb        = "v0.11.4"
	pinnedWebsocketJS = "4958b454a5d24f914d6aca5ab616b3a09cdda0d7b92af2672228c10911505fd2"
)

const recheck = "re-check docs/gonb-widget-race.md against it: does the page still give up on the kernel's " +
	"comm_open_ack after 500 ms, and does lib/charts/gonb_patience.js still catch it? " +
	"(`node tools/browser/lab-test.mjs 01-one-by-one-convolution.ipynb` holds the ack for 2 s.) " +
	"Then update pinnedGonb and pinnedWebsocketJS in lib/charts/gonb_patience_test.go, or remove the workaround"

// gonbVersion returns the version of github.com/janpfeifer/gonb that a go.mod requires.
func gonbVersion(t *testing.T, gomod string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^[ \t]*(?:require[ \t]+)?github\.com/janpfeifer/gonb[ \t]+(v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s requires no github.com/janpfeifer/gonb", gomod)
	}
	return string(m[1])
}

// gonbWebsocketJS returns GoNB's page script of the pinned version, from the module cache
// (go mod download fetches it where it is not there yet).
func gonbWebsocketJS(t *testing.T) []byte {
	t.Helper()
	mod := "github.com/janpfeifer/gonb@" + pinnedGonb
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	if err != nil {
		t.Skipf("go mod download %s: %v: the Go module proxy is out of reach, so GoNB's page script cannot be checked", mod, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %s %v", mod, info.Error, err)
	}
	js, err := os.ReadFile(filepath.Join(info.Dir, "internal", "websocket", "websocket.js"))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestGonbPinned fails when GoNB changes, in either go.mod or in its page script, saying
// to re-check whether the workaround for its 500 ms wait is still needed and still works.
func TestGonbPinned(t *testing.T) {
	root := layouttest.Path(t)
	for _, gomod := range []string{"go.mod", "tools/kernel/go.mod"} {
		if v := gonbVersion(t, filepath.Join(root, gomod)); v != pinnedGonb {
			t.Errorf("%s now has GoNB %s, and lib/charts/gonb_patience.js works around GoNB %s: %s", gomod, v, pinnedGonb, recheck)
		}
	}
	sum := sha256.Sum256(gonbWebsocketJS(t))
	if got := hex.EncodeToString(sum[:]); got != pinnedWebsocketJS {
		t.Errorf("GoNB %s's internal/websocket/websocket.js has SHA-256 %s, not the %s it had when pinned: %s", pinnedGonb, got, pinnedWebsocketJS, recheck)
	}
}

// TestGonbPatience runs GoNB's page script in node, on a fake WebSocket whose kernel answers
// comm_open late, with and without gonb_patience.js before it.
func TestGonbPatience(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the browser test (make test) checks gonb_patience.js in JupyterLab instead")
	}
	var page bytes.Buffer
	tmpl := template.Must(template.New("websocket.js").Parse(string(gonbWebsocketJS(t))))
	if err := tmpl.Execute(&page, struct {
		KernelId string
		Verbose  bool
	}{"kernel-1", false}); err != nil {
		t.Fatal(err)
	}
	// The harness: a page with a WebSocket that opens at once and records what is sent;
	// install() runs GoNB's script (as the kernel's display does), ack(ms) answers its
	// comm_open that late, and the outcome of each connection is printed.
	harness := `
globalThis.document = { location: { host: "127.0.0.1:8888" } };
const sockets = [];
globalThis.WebSocket = class {
  constructor(url) { this.url = url; this.sent = []; sockets.push(this); setTimeout(() => this.onopen?.({}), 0); }
  send(s) { this.sent.push(JSON.parse(s)); }
  close() { setTimeout(() => this.onclose?.({}), 0); }
};
console.error = () => {}; // GoNB's own complaints; the outcome is printed below
const gonbPage = ` + "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`", "${", "\\${").Replace(page.String()) + "`" + `;
function install(ackMs) {
  (0, eval)(gonbPage);
  const comm = globalThis.gonb_comm, ws = sockets[sockets.length - 1];
  if (ackMs >= 0) setTimeout(() => {
    const open = ws.sent.find((m) => m.msg_type === "comm_open");
    ws.onmessage({ data: JSON.stringify({ msg_type: "comm_msg",
      content: { comm_id: open.content.comm_id, data: { address: "#comm_open_ack", value: true } } }) });
  }, ackMs);
  return comm._is_connected.then(() => "connected", (e) => "failed: " + e.message);
}
`
	run := func(script string) string {
		t.Helper()
		f := filepath.Join(t.TempDir(), "page.js")
		if err := os.WriteFile(f, []byte(harness+script), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(node, f).CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	patience := func(d time.Duration) string { return fmt.Sprintf("(0, eval)(%q);\n", GonbPatienceJS(d)) }
	for _, tc := range []struct{ name, script, want string }{
		{"GoNB alone, the kernel answers in 1.5 s", `install(1500).then(console.log);`,
			"failed: comm_open_ack not received in time"},
		{"GoNB alone, the kernel answers in 0.1 s", `install(100).then(console.log);`,
			"connected"},
		{"with gonb_patience.js (5 s), the kernel answers in 1.5 s", patience(5*time.Second) + `install(1500).then(console.log);`,
			"connected"},
		{"with gonb_patience.js, after a kernel restart (GoNB's script again)", patience(5*time.Second) +
			`install(100).then(async (first) => console.log(first, await install(1500)));`,
			"connected connected"},
		{"with gonb_patience.js (1 s), the kernel never answers", patience(time.Second) + `install(-1).then(console.log);`,
			"failed: comm_open_ack not received in 1 s"},
	} {
		if got := run(tc.script); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestWidgetFailedHTML checks the sentence a student sees in place of a slider that could not
// connect: it says what to do, and it carries the HTML class by which the notebook tests find it
// (tools/notebook-failures.json's widget_failed: run_notebooks.py requires it of a headless run,
// lab-test.mjs of a run whose comm_open_ack it drops).
func TestWidgetFailedHTML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(layouttest.Path(t), "tools", "notebook-failures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var failures struct {
		WidgetFailed struct {
			SourcePattern string `json:"source_pattern"`
			HTMLClass     string `json:"html_class"`
		} `json:"widget_failed"`
	}
	if err := json.Unmarshal(b, &failures); err != nil {
		t.Fatal(err)
	}
	class := failures.WidgetFailed.HTMLClass
	if class == "" {
		t.Fatal("tools/notebook-failures.json has no widget_failed.html_class")
	}
	got := WidgetFailedHTML(30 * time.Second)
	for _, want := range []string{`class="` + class + `"`, "within 30s", "Run this cell again", "Restart Kernel"} {
		if !strings.Contains(got, want) {
			t.Errorf("WidgetFailedHTML(30s) = %s\nwant it to contain %q", got, want)
		}
	}
	// The cells the headless tests hold to it are the ones that open the explorer.
	re, err := regexp.Compile(failures.WidgetFailed.SourcePattern)
	if err != nil {
		t.Fatalf("widget_failed.source_pattern: %v", err)
	}
	for src, want := range map[string]bool{
		"check(charts.BottleneckExplorer(os.Stdout, charts.ExplorerOptions{Idle: idle}))": true,
		"// BottleneckExplorerOptions are documented in lib/charts":                       false,
	} {
		if re.MatchString(src) != want {
			t.Errorf("widget_failed.source_pattern %q matches %q: %v, want %v", re, src, !want, want)
		}
	}
}
