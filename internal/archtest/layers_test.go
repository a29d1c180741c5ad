package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated layer section of docs/architecture.md")

const module = "signet/"

// goPackage is what these tests read of `go list -json`.
type goPackage struct {
	ImportPath string
	Name       string
	Doc        string
	Imports    []string // non-test imports only
	Deps       []string // the whole non-test dependency graph, standard library included
}

// listPackages runs `go list -json` once over the shipped code: the
// command and every internal package (bench/ and e2e/ are tools and tests,
// not layers of the product).
var listPackages = sync.OnceValues(func() ([]goPackage, error) {
	cmd := exec.Command("go", "list", "-json", "./cmd/...", "./internal/...")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
})

func packages(t *testing.T) []goPackage {
	t.Helper()
	pkgs, err := listPackages()
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// short names a package as the docs do: "sigv4", "storage/disk",
// "cmd/signet".
func short(importPath string) string {
	return strings.TrimPrefix(strings.TrimPrefix(importPath, module), "internal/")
}

// layers groups the packages by the longest chain of signet imports below
// each: layer 0 imports no other signet package, and a package in layer n
// imports at least one in layer n-1 and none above. archtest is left out:
// it has no code, only tests.
func layers(pkgs []goPackage) [][]goPackage {
	byPath := map[string]goPackage{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	depth := map[string]int{}
	var visit func(string) int
	visit = func(ip string) int {
		if d, ok := depth[ip]; ok {
			return d
		}
		depth[ip] = 0 // an import cycle cannot compile, so this is never read early
		d := 0
		for _, im := range byPath[ip].Imports {
			if _, ok := byPath[im]; ok {
				d = max(d, visit(im)+1)
			}
		}
		depth[ip] = d
		return d
	}
	var out [][]goPackage
	for _, p := range pkgs {
		if p.ImportPath == module+"internal/archtest" {
			continue
		}
		d := visit(p.ImportPath)
		for len(out) <= d {
			out = append(out, nil)
		}
		out[d] = append(out[d], p)
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b goPackage) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	}
	return out
}

// renderLayers writes the generated section: one table per layer, each
// package with the signet packages it imports.
func renderLayers(pkgs []goPackage) string {
	var b strings.Builder
	for n, l := range layers(pkgs) {
		switch n {
		case 0:
			fmt.Fprintf(&b, "### Layer 0: imports no other signet package\n\n")
		default:
			fmt.Fprintf(&b, "### Layer %d\n\n", n)
		}
		b.WriteString("| Package | Imports (signet) |\n|---|---|\n")
		for _, p := range l {
			var ims []string
			for _, im := range p.Imports {
				if strings.HasPrefix(im, module) {
					ims = append(ims, short(im))
				}
			}
			slices.Sort(ims)
			deps := "–"
			if len(ims) > 0 {
				deps = "`" + strings.Join(ims, "`, `") + "`"
			}
			fmt.Fprintf(&b, "| `%s` | %s |\n", short(p.ImportPath), deps)
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

const (
	beginLayers = "<!-- BEGIN GENERATED LAYERS: go test ./internal/archtest -run TestArchitectureDocLayers -update -->"
	endLayers   = "<!-- END GENERATED LAYERS -->"
)

// TestArchitectureDocLayers: the layer section of docs/architecture.md is
// what `go list` says the imports are. With -update it rewrites the
// section instead of failing.
func TestArchitectureDocLayers(t *testing.T) {
	docPath := filepath.Join("..", "..", "docs", "architecture.md")
	raw, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	before, rest, ok1 := strings.Cut(doc, beginLayers+"\n")
	current, after, ok2 := strings.Cut(rest, endLayers)
	if !ok1 || !ok2 {
		t.Fatalf("%s has no %q … %q section", docPath, beginLayers, endLayers)
	}
	want := renderLayers(packages(t)) + "\n"
	if current == want {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(before+beginLayers+"\n"+want+endLayers+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/architecture.md's layer section is out of date; run\n\tgo test ./internal/archtest -run TestArchitectureDocLayers -update\nand review the diff. Want:\n%s", want)
}

// TestEveryPackageSaysWhatItOwns: every internal package (and the
// command) has a package comment, in the form godoc expects.
func TestEveryPackageSaysWhatItOwns(t *testing.T) {
	for _, p := range packages(t) {
		want := "Package " + p.Name + " "
		if p.Name == "main" {
			want = "Command " + path.Base(p.ImportPath) + " "
		}
		if !strings.HasPrefix(p.Doc, want) {
			t.Errorf("%s: package comment %q should start %q and say what the package owns", short(p.ImportPath), p.Doc, want)
		}
	}
}

// The layering itself, on a small graph.
func TestLayers(t *testing.T) {
	pkgs := []goPackage{
		{ImportPath: "signet/internal/top", Imports: []string{"fmt", "signet/internal/mid", "signet/internal/base"}},
		{ImportPath: "signet/internal/mid", Imports: []string{"signet/internal/base", "example.com/x"}},
		{ImportPath: "signet/internal/base", Imports: []string{"strings"}},
		{ImportPath: "signet/internal/lone"},
		{ImportPath: "signet/internal/archtest"},
	}
	var got []string
	for n, l := range layers(pkgs) {
		for _, p := range l {
			got = append(got, fmt.Sprintf("%d:%s", n, short(p.ImportPath)))
		}
	}
	want := []string{"0:base", "0:lone", "1:mid", "2:top"}
	if !slices.Equal(got, want) {
		t.Fatalf("layers %q, want %q", got, want)
	}
	if r := renderLayers(pkgs); !strings.Contains(r, "| `top` | `base`, `mid` |") || !strings.Contains(r, "| `lone` | – |") {
		t.Fatalf("rendered:\n%s", r)
	}
}
