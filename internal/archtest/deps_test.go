package archtest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// imports returns the imports of the non-test Go files of every package at
// or below dir (relative to internal/).
func imports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	root := filepath.Join("..", dir)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		// A file without imports (internal/errdoc's) is still a file.
		ims := []string{}
		for _, im := range f.Imports {
			ims = append(ims, strings.Trim(im.Path.Value, `"`))
		}
		out[path] = ims
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files under %s", root)
	}
	return out
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != "signet"
}

// heartMayUse lists the signet packages a heart package may import: the
// signers take secrets as secret.Secret, so that a secret access key is
// never a string to print or compare with ==, and secret is itself
// standard-library only (checked below), so the heart stays free of
// outside code.
var heartMayUse = map[string][]string{
	"sigv4": {"signet/internal/secret"},
	"sigv2": {"signet/internal/secret"},
	// The POST policy is signed and checked as the signers sign.
	"postpolicy": {"signet/internal/secret", "signet/internal/sigv4", "signet/internal/sigv2"},
}

// heart lists the packages that must stay standard-library only, with
// everything below them; principal is the caller vocabulary the identity
// domains share with authentication.
var heart = []string{"sigv4", "sigv2", "lifetime", "clock", "secret", "checksum", "policy", "duration", "cors", "postpolicy", "lifecycle", "principal"}

// heartMayReach is heartMayUse closed over itself: every signet package a
// heart package dir may depend on, directly or not.
func heartMayReach(dir string) []string {
	var out []string
	var walk func(string)
	walk = func(d string) {
		for _, ip := range heartMayUse[d] {
			if !slices.Contains(out, ip) {
				out = append(out, ip)
				walk(short(ip))
			}
		}
	}
	walk(dir)
	return out
}

// under returns the shipped packages at or below dir (a short name such
// as "meta"), with their full dependency graphs.
func under(t *testing.T, dir string) []goPackage {
	t.Helper()
	var out []goPackage
	for _, p := range packages(t) {
		if s := short(p.ImportPath); s == dir || strings.HasPrefix(s, dir+"/") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatalf("go list found no package at or below %s", dir)
	}
	return out
}

// pulledIn returns the forbidden packages p depends on, each once
// (a package below a forbidden one counts as it).
func pulledIn(p goPackage, forbidden []string) []string {
	var out []string
	for _, dep := range p.Deps {
		for _, f := range forbidden {
			if (dep == f || strings.HasPrefix(dep, f+"/")) && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// The whole dependency graph (`go list -deps`), not only direct imports:
// a heart package that imported a harmless signet package which in turn
// imported outside code would pass a direct check.
func TestHeartIsStdlibOnly(t *testing.T) {
	for _, dir := range heart {
		allowed := heartMayReach(dir)
		for _, p := range under(t, dir) {
			for _, dep := range p.Deps {
				if !isStdlib(dep) && !slices.Contains(allowed, dep) {
					t.Errorf("%s depends on %s; %s must use only the standard library", p.ImportPath, dep, dir)
				}
			}
		}
	}
}

// httpAndAPI are the packages that speak HTTP or a wire protocol.
var httpAndAPI = []string{"net/http", "signet/internal/s3api", "signet/internal/awsquery", "signet/internal/iamapi",
	"signet/internal/stsapi", "signet/internal/adminapi", "signet/internal/server"}

func TestEnginesKnowNoHTTP(t *testing.T) {
	forbidden := append(slices.Clone(httpAndAPI), "signet/internal/authn")
	for _, dir := range []string{"storage", "meta"} {
		for _, p := range under(t, dir) {
			for _, f := range pulledIn(p, forbidden) {
				t.Errorf("%s depends on %s; engines must not know about HTTP or the API", p.ImportPath, f)
			}
		}
	}
}

// The identity domains take the caller as a principal.Principal but never
// see a request, speak a wire protocol or pull in authentication and the
// signers, not even through another package.
func TestIdentityDomainsKnowNoHTTP(t *testing.T) {
	forbidden := append(slices.Clone(httpAndAPI), "signet/internal/authn", "signet/internal/sigv4",
		"signet/internal/sigv2", "signet/internal/postpolicy", "signet/internal/awschunked")
	for _, dir := range []string{"iam", "sts", "policy", "principal"} {
		for _, p := range under(t, dir) {
			for _, f := range pulledIn(p, forbidden) {
				t.Errorf("%s depends on %s; identity domains must not know about HTTP, the wire or the signers", p.ImportPath, f)
			}
		}
	}
}

func TestOnlyServerWiresConcreteEngines(t *testing.T) {
	concrete := []string{"signet/internal/storage/disk", "signet/internal/storage/memory", "signet/internal/meta/bolt", "signet/internal/meta/memory"}
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "server" || e.Name() == "storage" || e.Name() == "meta" || e.Name() == "archtest" {
			continue
		}
		for file, ims := range imports(t, e.Name()) {
			for _, im := range ims {
				for _, c := range concrete {
					if im == c {
						t.Errorf("%s imports %s; only internal/server wires concrete engines", file, im)
					}
				}
			}
		}
	}
}

// The metadata fixture opens stores for tests; the binary wires its
// engines in internal/server alone, so no non-test file may import it.
func TestOnlyTestsUseMetaFixture(t *testing.T) {
	for file, ims := range imports(t, ".") {
		for _, im := range ims {
			if im == "signet/internal/meta/metafixture" {
				t.Errorf("%s imports %s; it is a fixture for _test.go files only", file, im)
			}
		}
	}
}

// Inlining is a capability a metadata engine may have
// (storage.InlineStore), not a dependency either way: the storage
// packages know nothing of meta, and no metadata engine imports a storage
// engine, only storage's own interfaces and IDs.
func TestInlineIsACapability(t *testing.T) {
	for file, ims := range imports(t, "storage") {
		for _, im := range ims {
			if im == "signet/internal/meta" || strings.HasPrefix(im, "signet/internal/meta/") {
				t.Errorf("%s imports %s; storage must not depend on meta", file, im)
			}
		}
	}
	for file, ims := range imports(t, "meta") {
		for _, im := range ims {
			if strings.HasPrefix(im, "signet/internal/storage/") {
				t.Errorf("%s imports %s; a metadata engine offers inlining as storage.InlineStore, it imports no storage engine", file, im)
			}
		}
	}
}
