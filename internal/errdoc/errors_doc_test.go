package errdoc_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"signet/internal/errdoc"
	"signet/internal/iamapi"
	"signet/internal/s3api"
	"signet/internal/stsapi"
)

var update = flag.Bool("update", false, "rewrite docs/errors.md from the API packages' tables")

// sources are the API packages' error tables, one section each in this
// order. Adding an API is one line here.
var sources = []func() []errdoc.Code{
	s3api.ErrorDocs,
	iamapi.ErrorDocs,
	stsapi.ErrorDocs,
}

const docPath = "../../docs/errors.md"

// TestErrorsDoc keeps docs/errors.md equal to what the tables say;
// `go test ./internal/errdoc -update` rewrites it.
func TestErrorsDoc(t *testing.T) {
	want := render(t, sources)
	if *update {
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v; run go test ./internal/errdoc -update", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/errors.md is not what the error tables say; run go test ./internal/errdoc -update")
	}
}

// render writes one section per API, in the order the sources first name
// it, with its codes sorted.
func render(t *testing.T, sources []func() []errdoc.Code) []byte {
	t.Helper()
	var apis []string
	byAPI := map[string][]errdoc.Code{}
	for _, src := range sources {
		for _, c := range src() {
			checkRow(t, c)
			if _, ok := byAPI[c.API]; !ok {
				apis = append(apis, c.API)
			}
			byAPI[c.API] = append(byAPI[c.API], c)
		}
	}
	var b bytes.Buffer
	b.WriteString(header)
	for _, api := range apis {
		rows := byAPI[api]
		slices.SortFunc(rows, func(x, y errdoc.Code) int { return strings.Compare(x.Code, y.Code) })
		fmt.Fprintf(&b, "\n## %s\n\n| Code | Status | AWS's message | When signet sends it |\n|---|---|---|---|\n", api)
		for i, c := range rows {
			if i > 0 && rows[i-1].Code == c.Code {
				t.Errorf("%s %s is described twice", api, c.Code)
			}
			fmt.Fprintf(&b, "| `%s` | %d %s | %s | %s |\n", c.Code, c.Status, http.StatusText(c.Status), cell(c.Message), cell(c.When))
		}
	}
	return b.Bytes()
}

const header = `# Error codes

<!-- Generated from the API packages' error tables by ` + "`go test ./internal/errdoc -update`" + `; do not edit. -->

Every error code signet sends, per API: its HTTP status, AWS's default message, and when signet
sends it. A response may carry a more specific message than the default, as AWS's do (for
example "Request has expired" for an expired presigned URL's ` + "`AccessDenied`" + `). The requests
signet refuses rather than ignores, and with which of these codes, are listed in
[operations.md](operations.md).
`

// checkRow refuses a row the document could not describe.
func checkRow(t *testing.T, c errdoc.Code) {
	t.Helper()
	if c.API == "" || c.Code == "" || c.Message == "" || c.When == "" || http.StatusText(c.Status) == "" {
		t.Errorf("incomplete error row: %+v", c)
	}
}

// cell escapes text for a Markdown table cell: a "|" would end the cell
// and a pair of "*" (x-amz-meta-*) would turn to emphasis.
func cell(s string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "*", `\*`, "<", "&lt;").Replace(s)
}
