// Package textcheck checks that every figure the notebooks' text quotes is
// backed: either it is the lesson's arithmetic, computed by the project's
// code, or it is read from a committed result file named beside it. Its test
// runs it on notebooks/*.ipynb, so `make test` fails when the text and its
// sources disagree, for example when a committed result changes and the text
// still quotes the old figure.
//
// A markdown cell quotes a run's figure with a source, an HTML comment right
// after the number (and its unit), which Jupyter does not show:
//
//	the Go run reached 96.69 %<!--from:plots/inception/history.json#epochs.0.test_accuracy*100-->
//
// The source is a file under the repository's root (or a name the caller
// registered, see Checker.Virtual), a path into its JSON (keys and indexes
// separated by dots, -1 for the last element, key=value for the first element
// of a list whose key has that value), and an optional factor. The number as
// written must be the source's value rounded to the digits written: 96.69
// matches 0.966899 times 100, not 0.9671 times 100.
//
// A number without a source must be a fact (Checker.Facts, the lesson's
// arithmetic as the code computes it, matched to the digits written), or a
// whole number of at most 100 with no unit (a kernel size, a channel count,
// a layer or an epoch), or a year. Percentages and times are never let
// through that way: "passes 97 % after one epoch" needs a source.
//
// Numbers in code (fenced blocks and `spans`), in addresses (https://…), in
// HTML comments and inside names (conv2, Inception-v3, d2l) are not figures.
//
// Its tests also hold the Python lock notebooks/requirements.txt to the pins
// of notebooks/requirements.in (requirements_test.go).
package textcheck

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Figure is a number quoted in a markdown text.
type Figure struct {
	// Text is the number as written, "96.69" or "120,422,400" or "1.5e-9".
	Text string
	// Value is its value.
	Value float64
	// Unit is what follows it when that makes it a measurement: "%", "s",
	// "ms", "min", "minutes", "seconds", "GB", "MB"; empty otherwise.
	Unit string
	// Source is the source comment's text after "from:", if the number has one.
	Source string
	// Context is the text around the number, for messages.
	Context string
}

// digits returns how a figure's precision is written: the number of
// decimals, or, in e-notation, the significant digits (with sig true).
func (f Figure) digits() (n int, sig bool) {
	t := strings.ReplaceAll(f.Text, ",", "")
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		return len(strings.ReplaceAll(t[:i], ".", "")), true
	}
	if i := strings.IndexByte(t, '.'); i >= 0 {
		return len(t) - i - 1, false
	}
	return 0, false
}

// Matches reports whether v, rounded to the digits f is written with, is f.
func (f Figure) Matches(v float64) bool {
	n, sig := f.digits()
	if sig {
		if v == 0 || f.Value == 0 {
			return v == f.Value
		}
		e := math.Floor(math.Log10(math.Abs(v)))
		scale := math.Pow(10, float64(n-1)-e)
		return math.Abs(math.Round(v*scale)/scale-f.Value) <= 1e-9*math.Abs(f.Value)
	}
	scale := math.Pow(10, float64(n))
	return math.Abs(math.Round(v*scale)-math.Round(f.Value*scale)) < 0.5
}

var (
	fence      = regexp.MustCompile("(?s)```.*?```")
	codeSpan   = regexp.MustCompile("`[^`]*`")
	url        = regexp.MustCompile(`https?://[^\s)>\]]+`)
	source     = regexp.MustCompile(`<!--\s*from:\s*(.*?)\s*-->`)
	comment    = regexp.MustCompile(`(?s)<!--.*?-->`)
	number     = regexp.MustCompile(`\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?`)
	unitAfter  = regexp.MustCompile(`^\s?(%|ms\b|s\b|min\b|minutes\b|seconds\b|GB\b|MB\b|GiB\b|MiB\b)`)
	markerWord = regexp.MustCompile(`[\p{L}_]$`)
	unitWord   = regexp.MustCompile(`^\p{L}+$`) // "bytes", "steps": a word between a figure and its source
)

// Extract finds the figures of a markdown text, with their sources.
func Extract(markdown string) []Figure {
	blank := func(s string) string { return strings.Repeat(" ", len(s)) }
	text := fence.ReplaceAllStringFunc(markdown, blank)
	text = codeSpan.ReplaceAllStringFunc(text, blank)
	text = url.ReplaceAllStringFunc(text, blank)
	// Sources stay as markers; other comments are blanked.
	type mark struct {
		at  int
		src string
	}
	var marks []mark
	for _, m := range source.FindAllStringSubmatchIndex(text, -1) {
		marks = append(marks, mark{m[0], text[m[2]:m[3]]})
	}
	text = comment.ReplaceAllStringFunc(text, blank)

	var figs []Figure
	var ends []int
	for _, m := range number.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		before, after := text[:start], text[end:]
		if markerWord.MatchString(before) || strings.HasSuffix(before, ".") && len(before) > 1 && isDigit(before[len(before)-2]) {
			continue // part of a name (conv2, v3) or of a version (1.2.3)
		}
		if len(after) > 0 && (isLetter(after[0]) && !strings.HasPrefix(after, "x") && !unitAfter.MatchString(after) || after[0] == '_') {
			continue // part of a name (2x? no: 3x3 is two numbers), d2l, 1st
		}
		t := text[start:end]
		v, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", ""), 64)
		if err != nil {
			continue
		}
		f := Figure{Text: t, Value: v}
		if u := unitAfter.FindStringSubmatch(after); u != nil {
			f.Unit = u[1]
		}
		lo, hi := max(0, start-40), min(len(markdown), end+40)
		f.Context = strings.Join(strings.Fields(markdown[lo:hi]), " ")
		figs = append(figs, f)
		ends = append(ends, end)
	}
	// A source belongs to the last figure before it, with nothing but its unit, or one word, between.
	for _, mk := range marks {
		for i := len(figs) - 1; i >= 0; i-- {
			if ends[i] <= mk.at {
				between := strings.TrimSpace(text[ends[i]:mk.at])
				if between == "" || between == figs[i].Unit || unitWord.MatchString(between) {
					figs[i].Source = mk.src
				}
				break
			}
		}
	}
	return figs
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Checker checks figures against facts and sources.
type Checker struct {
	// Root is the repository's folder; sources are files under it.
	Root string
	// Facts are the values a figure may quote without a source: the
	// lesson's arithmetic, as the code computes it.
	Facts []float64
	// Virtual are sources that are not files, by name: a value that
	// marshals to JSON, such as the lesson's log built by the code.
	Virtual map[string]any

	cache map[string]any
}

// Problem is a figure that is not backed.
type Problem struct {
	Where  string // "02-inception.ipynb cell 14"
	Figure Figure
	Why    string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %q (…%s…): %s", p.Where, p.Figure.Text+p.Figure.Unit, p.Figure.Context, p.Why)
}

// Check checks one figure: nil when it is backed.
func (c *Checker) Check(f Figure) error {
	if f.Source != "" {
		v, err := c.Resolve(f.Source)
		if err != nil {
			return err
		}
		if !f.Matches(v) {
			return fmt.Errorf("its source %s says %.6g", f.Source, v)
		}
		return nil
	}
	for _, v := range c.Facts {
		if f.Matches(v) {
			return nil
		}
	}
	whole := f.Value == math.Trunc(f.Value) && !strings.ContainsAny(f.Text, ".eE")
	switch {
	case f.Unit != "":
		return fmt.Errorf("a measurement (%s) without a source: add <!--from:FILE#PATH--> after it, or let a cell print it", f.Unit)
	case whole && f.Value <= 100:
		return nil
	case whole && !strings.Contains(f.Text, ",") && f.Value >= 1990 && f.Value <= 2030:
		return nil // a year
	}
	return fmt.Errorf("neither a fact of the lesson's arithmetic nor backed by a source: add <!--from:FILE#PATH--> after it, or let a cell compute it")
}

// Resolve reads the value a source names: "FILE#PATH" or "FILE#PATH*FACTOR".
func (c *Checker) Resolve(src string) (float64, error) {
	file, path, ok := strings.Cut(src, "#")
	if !ok || file == "" || path == "" {
		return 0, fmt.Errorf("source %q: want FILE#PATH, e.g. plots/inception/history.json#epochs.0.test_accuracy*100", src)
	}
	factor := 1.0
	if p, f, ok := strings.Cut(path, "*"); ok {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, fmt.Errorf("source %q: factor %q is not a number", src, f)
		}
		path, factor = p, v
	}
	doc, err := c.load(file)
	if err != nil {
		return 0, fmt.Errorf("source %q: %w", src, err)
	}
	v, err := lookup(doc, path)
	if err != nil {
		return 0, fmt.Errorf("source %q: %w", src, err)
	}
	return v * factor, nil
}

// load reads and decodes a source's JSON once.
func (c *Checker) load(file string) (any, error) {
	if doc, ok := c.cache[file]; ok {
		return doc, nil
	}
	var js []byte
	if v, ok := c.Virtual[file]; ok {
		var err error
		if js, err = json.Marshal(v); err != nil {
			return nil, err
		}
	} else {
		if filepath.IsAbs(file) || strings.Contains(file, "..") {
			return nil, fmt.Errorf("%s: a source must be a file under the repository", file)
		}
		var err error
		if js, err = os.ReadFile(filepath.Join(c.Root, file)); err != nil {
			return nil, err
		}
	}
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if c.cache == nil {
		c.cache = map[string]any{}
	}
	c.cache[file] = doc
	return doc, nil
}

// lookup follows a dotted path into a decoded JSON document.
func lookup(doc any, path string) (float64, error) {
	cur := doc
	for _, seg := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[seg]
			if !ok {
				return 0, fmt.Errorf("no key %q", seg)
			}
			cur = v
		case []any:
			if k, want, ok := strings.Cut(seg, "="); ok {
				found := false
				for _, el := range node {
					if m, ok := el.(map[string]any); ok && fmt.Sprint(m[k]) == want {
						cur, found = el, true
						break
					}
				}
				if !found {
					return 0, fmt.Errorf("no element with %s", seg)
				}
				continue
			}
			i, err := strconv.Atoi(seg)
			if err != nil {
				return 0, fmt.Errorf("%q: a list needs an index or key=value", seg)
			}
			if i < 0 {
				i += len(node)
			}
			if i < 0 || i >= len(node) {
				return 0, fmt.Errorf("index %s out of a list of %d", seg, len(node))
			}
			cur = node[i]
		default:
			return 0, fmt.Errorf("%q: nothing to look into", seg)
		}
	}
	v, ok := cur.(float64)
	if !ok {
		return 0, fmt.Errorf("%s is %T, not a number", path, cur)
	}
	return v, nil
}

// CheckMarkdown checks every figure of a markdown text; where names it in problems.
func (c *Checker) CheckMarkdown(where, markdown string) []Problem {
	var problems []Problem
	for _, f := range Extract(markdown) {
		if err := c.Check(f); err != nil {
			problems = append(problems, Problem{Where: where, Figure: f, Why: err.Error()})
		}
	}
	return problems
}

// CheckNotebook checks every markdown cell of the notebook at path.
func (c *Checker) CheckNotebook(path string) ([]Problem, error) {
	js, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(js, &nb); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var problems []Problem
	for i, cell := range nb.Cells {
		if cell.CellType != "markdown" {
			continue
		}
		text, err := cellSource(cell.Source)
		if err != nil {
			return nil, fmt.Errorf("%s cell %d: %w", path, i, err)
		}
		problems = append(problems, c.CheckMarkdown(fmt.Sprintf("%s cell %d", filepath.Base(path), i), text)...)
	}
	return problems, nil
}

// cellSource is a cell's source, which nbformat stores as a string or a list of lines.
func cellSource(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", err
	}
	return strings.Join(lines, ""), nil
}
