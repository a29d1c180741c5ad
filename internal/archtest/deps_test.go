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

func TestHeartIsStdlibOnly(t *testing.T) {
	for _, dir := range []string{"sigv4", "sigv2", "lifetime", "clock", "secret", "checksum", "policy", "duration", "cors", "postpolicy", "lifecycle"} {
		for file, ims := range imports(t, dir) {
			for _, im := range ims {
				if !isStdlib(im) && !slices.Contains(heartMayUse[dir], im) {
					t.Errorf("%s imports %s; %s must use only the standard library", file, im, dir)
				}
			}
		}
	}
}

func TestEnginesKnowNoHTTP(t *testing.T) {
	forbidden := []string{"net/http", "signet/internal/s3api", "signet/internal/authn", "signet/internal/server"}
	for _, dir := range []string{"storage", "meta"} {
		for file, ims := range imports(t, dir) {
			for _, im := range ims {
				for _, f := range forbidden {
					if im == f {
						t.Errorf("%s imports %s; engines must not know about HTTP or the API", file, im)
					}
				}
			}
		}
	}
}

// The identity domains take the caller as an authn.Principal but never see
// a request or speak a wire protocol.
func TestIdentityDomainsKnowNoHTTP(t *testing.T) {
	forbidden := []string{"net/http", "signet/internal/s3api", "signet/internal/awsquery", "signet/internal/iamapi",
		"signet/internal/stsapi", "signet/internal/adminapi", "signet/internal/server"}
	for _, dir := range []string{"iam", "sts", "policy"} {
		for file, ims := range imports(t, dir) {
			for _, im := range ims {
				for _, f := range forbidden {
					if im == f {
						t.Errorf("%s imports %s; identity domains must not know about HTTP or the wire", file, im)
					}
				}
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
