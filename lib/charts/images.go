package charts

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"

	"github.com/learn-gomlx/advanced-cnn/lib/evaluate"
	"github.com/learn-gomlx/advanced-cnn/lib/mnist"
	"github.com/learn-gomlx/advanced-cnn/lib/models"
)

// Image is one grey-scale picture of an ImageGrid: a digit or a feature map.
type Image struct {
	// Pixels are Height rows of Width values, any range: each image is
	// stretched from its own smallest (black) to its largest value (white).
	Pixels        []float32
	Width, Height int
	// Caption is a line under the image; may be empty.
	Caption string
}

// ImageGroup is a titled block of images in rows of Columns.
type ImageGroup struct {
	Title   string
	Columns int
	// Scale enlarges every pixel to Scale x Scale screen pixels (3 when 0).
	Scale  int
	Images []Image
}

// ImageGrid is a figure of image groups side by side, drawn as HTML with
// every image inlined as a PNG: nothing is loaded from anywhere.
type ImageGrid struct {
	Title    string
	Subtitle string
	Groups   []ImageGroup
}

// HTML returns the grid as an HTML snippet.
func (g *ImageGrid) HTML() (string, error) {
	if g == nil || len(g.Groups) == 0 {
		return "", errors.New("charts: an image grid needs at least one group")
	}
	var b strings.Builder
	b.WriteString(`<div class="advcnn-images" style="font:13px sans-serif;color:#333;margin:8px 0 16px 0;">`)
	if g.Title != "" {
		fmt.Fprintf(&b, `<div style="font-size:17px;font-weight:bold;">%s</div>`, html.EscapeString(g.Title))
	}
	if g.Subtitle != "" {
		fmt.Fprintf(&b, `<div style="color:#666;margin:4px 0 8px 0;">%s</div>`, html.EscapeString(g.Subtitle))
	}
	b.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;">`)
	for gi, grp := range g.Groups {
		if len(grp.Images) == 0 {
			return "", fmt.Errorf("charts: image group %d (%q) is empty", gi+1, grp.Title)
		}
		cols, scale := grp.Columns, grp.Scale
		if cols <= 0 {
			cols = len(grp.Images)
		}
		if scale == 0 {
			scale = 3
		}
		if scale < 1 || scale > 20 {
			return "", fmt.Errorf("charts: image group %q: scale %d outside 1 to 20", grp.Title, scale)
		}
		b.WriteString(`<div>`)
		if grp.Title != "" {
			fmt.Fprintf(&b, `<div style="font-weight:bold;margin-bottom:4px;">%s</div>`, html.EscapeString(grp.Title))
		}
		fmt.Fprintf(&b, `<div style="display:grid;grid-template-columns:repeat(%d,auto);gap:4px;justify-content:start;">`, cols)
		for i, im := range grp.Images {
			src, err := pngDataURI(im)
			if err != nil {
				return "", fmt.Errorf("charts: image %d of group %q: %w", i+1, grp.Title, err)
			}
			fmt.Fprintf(&b, `<figure style="margin:0;text-align:center;"><img src="%s" width="%d" height="%d" style="image-rendering:pixelated;display:block;" alt="%s">`,
				src, im.Width*scale, im.Height*scale, html.EscapeString(im.Caption))
			if im.Caption != "" {
				fmt.Fprintf(&b, `<figcaption style="font-size:11px;line-height:1.2;max-width:%dpx;">%s</figcaption>`, max(im.Width*scale, 40), html.EscapeString(im.Caption))
			}
			b.WriteString(`</figure>`)
		}
		b.WriteString(`</div></div>`)
	}
	b.WriteString(`</div></div>`)
	return b.String(), nil
}

// pngDataURI encodes im as a grey-scale PNG in a data: URI.
func pngDataURI(im Image) (string, error) {
	if im.Width < 1 || im.Height < 1 || len(im.Pixels) != im.Width*im.Height {
		return "", fmt.Errorf("%d pixel values for %dx%d", len(im.Pixels), im.Width, im.Height)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range im.Pixels {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "", fmt.Errorf("pixel value %v", v)
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	gray := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
	for i, v := range im.Pixels {
		var level uint8
		if hi > lo {
			level = uint8(math.Round(255 * (float64(v) - lo) / (hi - lo)))
		}
		gray.SetGray(i%im.Width, i/im.Width, color.Gray{Y: level})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, gray); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// DisplayImages shows image grids in the notebook. Outside a notebook it
// only renders them, to report errors.
func DisplayImages(grids ...*ImageGrid) error {
	return displayHTML("charts: no image grid to display", grids)
}

// Mistakes draws the misclassified test images m of d, in rows of 10, each
// captioned with its true and predicted digit.
func Mistakes(d *mnist.Dataset, m []evaluate.Mistake, title string) (*ImageGrid, error) {
	if d == nil || len(m) == 0 {
		return nil, errors.New("charts: no mistakes to draw")
	}
	g := ImageGroup{Columns: 10, Scale: 2}
	for _, x := range m {
		if x.Index < 0 || x.Index >= d.N {
			return nil, fmt.Errorf("charts: mistake at image %d of a dataset of %d", x.Index, d.N)
		}
		pixels, err := d.Image(x.Index)
		if err != nil {
			return nil, fmt.Errorf("charts: mistake at image %d: %w", x.Index, err)
		}
		g.Images = append(g.Images, Image{Pixels: pixels, Width: mnist.Cols, Height: mnist.Rows,
			Caption: fmt.Sprintf("%d → %d", x.Label, x.Pred)})
	}
	return &ImageGrid{Title: title, Subtitle: "Test images the net got wrong, captioned true digit → predicted digit.", Groups: []ImageGroup{g}}, nil
}

// BranchMaps draws digit image i of d beside the feature maps of each
// branch (maps[b], named names[b]), each map stretched to its own range of
// values: black its smallest, white its largest.
func BranchMaps(d *mnist.Dataset, i int, maps [][]models.FeatureMap, names []string, title string) (*ImageGrid, error) {
	if d == nil || i < 0 || i >= d.N {
		return nil, fmt.Errorf("charts: no image %d to draw", i)
	}
	if len(maps) == 0 || len(maps) != len(names) {
		return nil, fmt.Errorf("charts: %d groups of feature maps for %d names", len(maps), len(names))
	}
	digit, err := d.Image(i)
	if err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	groups := []ImageGroup{{Title: fmt.Sprintf("the digit (%d)", d.Labels[i]), Scale: 3,
		Images: []Image{{Pixels: digit, Width: mnist.Cols, Height: mnist.Rows}}}}
	for b, group := range maps {
		g := ImageGroup{Title: fmt.Sprintf("%s branch: %d maps", names[b], len(group)), Columns: 4, Scale: 3}
		for _, m := range group {
			g.Images = append(g.Images, Image{Pixels: m.Pixels, Width: m.Width, Height: m.Height})
		}
		groups = append(groups, g)
	}
	return &ImageGrid{Title: title, Subtitle: "Each small square is one channel of a branch's output, 12x12, black its smallest value, white its largest.",
		Groups: groups}, nil
}
