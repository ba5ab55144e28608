// Package charts draws the lesson's figures with go-echarts, fully offline:
// the training curves of one or more runs (TrainingCurves), the 1x1
// bottleneck sweep (BottleneckSweep) and the per-layer cost of a net
// (LayerCost).
//
// A figure becomes HTML in two ways:
//
//   - a standalone page, with Page or WriteHTML, for files committed under plots/;
//   - a snippet shown in a GoNB notebook, with Display, or drawn live while a
//     net trains, with Live.
//
// No chart loads anything from the network. The echarts library is read from
// the file `make setup` installs, .tools/echarts/echarts.min.js in the
// repository (see Options.EchartsJS for how it is found), and inlined: once
// per standalone page, and once per notebook by DisplayLibrary. It is wrapped
// in a function that hides require.js's `define` and CommonJS's `module` and
// `exports`, and runs only if window.echarts is not defined yet. Without the
// wrapper, the require.js that classic Jupyter Notebook and nbconvert's HTML
// load makes the library register itself as an anonymous AMD module
// ("Mismatched anonymous define() module") and every chart stays blank.
package charts

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/learn-gomlx/advanced-cnn/lib/atomicfile"
	"github.com/learn-gomlx/advanced-cnn/lib/layout"
)

// EchartsEnvVar names the environment variable that overrides where the echarts library is read from.
const EchartsEnvVar = "ADVCNN_ECHARTS_JS"

// Options say where to find the echarts library. The zero value finds it as
// `make setup` installs it.
type Options struct {
	// EchartsJS is the path of echarts.min.js. When empty, the environment
	// variable ADVCNN_ECHARTS_JS is used, and when that is empty too, the
	// pinned path (EchartsPin, .tools/echarts/echarts.min.js) under the
	// repository root found by layout.FindRoot from Dir.
	EchartsJS string
	// Dir is where the search for the module root starts; empty means the
	// working directory (in a GoNB notebook, the notebook's folder).
	Dir string
}

// LibraryPath returns the path of the echarts library that o selects (see
// Options.EchartsJS), or an error, naming `make setup`, if there is no such file.
func LibraryPath(o Options) (string, error) {
	path, from, root := o.EchartsJS, "Options.EchartsJS", ""
	if path == "" {
		path, from = os.Getenv(EchartsEnvVar), "$"+EchartsEnvVar
	}
	if path == "" {
		pin, err := EchartsPin()
		if err != nil {
			return "", err
		}
		if root, err = layout.FindRoot(o.Dir); err != nil {
			return "", fmt.Errorf("can't find the echarts library that `make setup` installs in %s: %w (or set %s to an echarts.min.js)",
				pin.Path, err, EchartsEnvVar)
		}
		path, from = filepath.Join(root, pin.Path), ""
	}
	st, err := os.Stat(path)
	switch {
	case err != nil && from == "":
		return "", fmt.Errorf("the echarts library %s is missing: run `make setup` in %s to install it (%w)",
			path, root, err)
	case err != nil:
		return "", fmt.Errorf("the echarts library %s (from %s) is missing: %w; unset %s and run `make setup` to use the one it installs",
			path, from, err, strings.TrimPrefix(from, "$"))
	case st.IsDir():
		return "", fmt.Errorf("the echarts library %s is a folder, not echarts.min.js; run `make setup`", path)
	case st.Size() == 0:
		return "", fmt.Errorf("the echarts library %s is empty; delete it and run `make setup`", path)
	}
	return path, nil
}

// LibraryHTML returns a <script> element holding the echarts library that o
// selects, inlined inside the wrapper described in the package documentation:
// it defines window.echarts unless the page already has it.
func LibraryHTML(o Options) (string, error) {
	path, err := LibraryPath(o)
	if err != nil {
		return "", err
	}
	js, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the echarts library: %w; run `make setup`", err)
	}
	var b strings.Builder
	b.Grow(len(js) + len(libraryPrefix) + len(librarySuffix))
	b.WriteString(libraryPrefix)
	b.WriteString(escapeScript(string(js)))
	b.WriteString(librarySuffix)
	return b.String(), nil
}

// LibraryMarker is a comment that starts every inlined copy of the echarts library.
const LibraryMarker = "/* advcnn-echarts: inlined by lib/charts */"

const libraryPrefix = `<script type="text/javascript">
` + LibraryMarker + `
/* define, module and exports are hidden so that the library sets window.echarts
   even where require.js is loaded (classic Notebook, nbconvert's HTML). */
if (typeof window.echarts === "undefined") {
(function (define, module, exports) {
`

const librarySuffix = `
}).call(window);
}
</script>
`

var scriptEnd = regexp.MustCompile(`(?i)</(script)`)

// escapeScript keeps text inside a <script> element from closing it early.
func escapeScript(s string) string {
	s = scriptEnd.ReplaceAllString(s, `<\/$1`)
	return strings.ReplaceAll(s, "<!--", `<\!--`)
}

// Renderer is what Figure needs from a go-echarts chart (*charts.Line,
// *charts.Bar, ...): its option object.
type Renderer interface {
	RenderSnippet() render.ChartSnippet
}

// Figure is a go-echarts chart with the size and identity it is drawn with.
type Figure struct {
	// Chart is the go-echarts chart; its options may be changed before rendering.
	Chart Renderer
	// ID is the id of the chart's HTML element, unique in a page.
	ID string
	// Width and Height are the chart's size in pixels.
	Width, Height int
	// Title names the figure: the title of a standalone page.
	Title string
	// key names the chart in the page's registry of drawn charts, so that a
	// redraw (in a new element) disposes of the chart it replaces; empty means ID.
	key string
}

// NewFigure wraps a go-echarts chart into a Figure of the given size, with a new unique ID.
func NewFigure(chart Renderer, title string, width, height int) *Figure {
	return &Figure{Chart: chart, ID: NewID(), Width: width, Height: height, Title: title}
}

// NewID returns a new random HTML element id, "advcnn_" and 16 hex digits.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "advcnn_" + hex.EncodeToString(b[:])
}

var validID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// Option returns the chart's echarts option object as JSON (possibly with
// JavaScript functions in it, as go-echarts writes them).
func (f *Figure) Option() (option string, err error) {
	if f == nil || f.Chart == nil {
		return "", errors.New("charts: figure without a chart")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("charts: rendering %q: %v", f.Title, r)
		}
	}()
	option = strings.TrimSpace(f.Chart.RenderSnippet().Option)
	option = strings.TrimSpace(strings.TrimSuffix(option, ";"))
	option = unquoteFunctions(option)
	if !strings.HasPrefix(option, "{") {
		return "", fmt.Errorf("charts: rendering %q gave no option object", f.Title)
	}
	return option, nil
}

// quotedFunction is a JSON string holding a JavaScript function, as
// opts.FuncOpts makes them.
var quotedFunction = regexp.MustCompile(`"function\s*\((?:[^"\\]|\\.)*"`)

// unquoteFunctions turns the JSON strings of the option that hold a
// JavaScript function (opts.FuncOpts) into the functions themselves.
// go-echarts v2.6.7's RenderSnippet removes its markers around them but
// leaves them quoted (it HTML-escapes the quotes first), and echarts would
// show a string formatter's source as the label.
func unquoteFunctions(option string) string {
	return quotedFunction.ReplaceAllStringFunc(option, func(q string) string {
		var fn string
		if err := json.Unmarshal([]byte(q), &fn); err != nil {
			return q
		}
		return fn
	})
}

// HTML returns the figure as an HTML snippet: a <div> and a <script> that
// draws the chart into it once window.echarts is there, without the library
// itself (see LibraryHTML). The chart is as wide as the page allows, up to
// Width. Drawn again with the same ID, it replaces the chart drawn before.
func (f *Figure) HTML() (string, error) {
	option, err := f.Option()
	if err != nil {
		return "", err
	}
	if !validID.MatchString(f.ID) {
		return "", fmt.Errorf("charts: figure %q has an invalid element id %q", f.Title, f.ID)
	}
	if f.Width <= 0 || f.Height <= 0 {
		return "", fmt.Errorf("charts: figure %q has no size (%dx%d px)", f.Title, f.Width, f.Height)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="advcnn-chart" id="%s" style="width:100%%;max-width:%dpx;height:%dpx;">`+
		`<p style="color:#888;font:13px sans-serif;padding:8px;">Chart: %s. If it stays blank, the page's scripts did not run: `+
		`in JupyterLab, trust the notebook (Command Palette: Trust Notebook) or run the cell again.</p></div>`+"\n",
		f.ID, f.Width, f.Height, html.EscapeString(f.Title))
	key := f.key
	if key == "" {
		key = f.ID
	}
	fmt.Fprintf(&b, figureScript, f.ID, key, escapeScript(option), f.Width, f.Height)
	return b.String(), nil
}

// figureScript draws one chart: it waits (up to 10 s) for the element and
// the library, disposes of the chart drawn earlier under the same key (an
// earlier state of a live chart), and draws the new one, as wide as the page
// allows up to its width, following changes of the page's width.
// Arguments: element id, key, option, width, height.
const figureScript = `<script type="text/javascript">
(function () {
  var id = "%s", key = "%s";
  var option = %s;
  var maxWidth = %d, height = %d;
  var tries = 0;
  function width(el) {
    var w = el.clientWidth;
    return w > 0 ? Math.min(w, maxWidth) : maxWidth;
  }
  function draw() {
    var el = document.getElementById(id);
    if (!el || typeof window.echarts === "undefined") {
      if (++tries <= 200) { setTimeout(draw, 50); return; }
      if (el) { el.innerHTML = '<p style="color:#b00;font:13px sans-serif;padding:8px;">The echarts library is not loaded in this page: ' +
        'run the notebook cell that calls charts.DisplayLibrary (near the top), then this one again.</p>'; }
      return;
    }
    var all = window.__advcnnCharts = window.__advcnnCharts || {};
    var old = all[key];
    if (old && !old.isDisposed() && old.getDom() !== el) { old.dispose(); }
    var chart = window.echarts.getInstanceByDom(el);
    if (!chart) {
      el.innerHTML = "";
      chart = window.echarts.init(el, null, {renderer: "canvas", width: width(el), height: height});
      if (typeof ResizeObserver !== "undefined") {
        new ResizeObserver(function () {
          if (!chart.isDisposed() && el.clientWidth > 0 && width(el) !== chart.getWidth()) {
            chart.resize({width: width(el), height: height});
          }
        }).observe(el);
      }
    }
    chart.setOption(option, true);
    all[key] = chart;
  }
  draw();
})();
</script>
`

// Page returns a standalone HTML page with the echarts library inlined once
// and the figures one below the other.
func Page(title string, o Options, figs ...*Figure) ([]byte, error) {
	if len(figs) == 0 {
		return nil, errors.New("charts: a page needs at least one figure")
	}
	seen := map[string]bool{}
	var body strings.Builder
	for _, f := range figs {
		if f == nil {
			return nil, errors.New("charts: nil figure")
		}
		if seen[f.ID] {
			return nil, fmt.Errorf("charts: two figures on the page have the element id %q", f.ID)
		}
		seen[f.ID] = true
		s, err := f.HTML()
		if err != nil {
			return nil, err
		}
		body.WriteString(s)
	}
	lib, err := LibraryHTML(o)
	if err != nil {
		return nil, err
	}
	if title == "" {
		title = figs[0].Title
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>%s</title>
<style>
body { font-family: sans-serif; margin: 24px; }
.advcnn-chart { margin: 0 auto 32px auto; }
</style>
</head>
<body>
`, html.EscapeString(title))
	b.WriteString(lib)
	b.WriteString(body.String())
	b.WriteString("</body>\n</html>\n")
	return b.Bytes(), nil
}

// WriteHTML writes a standalone page of the figures (see Page) to path,
// replacing it atomically. The page's title is the first figure's.
func WriteHTML(path string, o Options, figs ...*Figure) error {
	page, err := Page("", o, figs...)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, page, 0o644)
}
