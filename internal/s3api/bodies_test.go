package s3api

import (
	"encoding/hex"
	"html"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// countingReader counts the bytes a handler read from a request body.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// hostile returns a body of elem repeated inside root, at most limit bytes.
func hostile(root, elem string, limit int) string {
	open, closing := "<"+root+">", "</"+root+">"
	n := (limit - len(open) - len(closing)) / len(elem)
	return open + strings.Repeat(elem, n) + closing
}

// TestCompleteUnknownUploadReadsNoBody: CompleteMultipartUpload against an
// upload that does not exist is answered NoSuchUpload before a byte of its
// body is read, however large the body.
func TestCompleteUnknownUploadReadsNoBody(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	body := &countingReader{r: strings.NewReader(hostile("CompleteMultipartUpload", "<Part></Part>", maxCompleteBody))}
	expectErr(t, e.do("POST", "/mpb/k?uploadId=made-up", body), 404, "NoSuchUpload")
	if n := body.n.Load(); n != 0 {
		t.Fatalf("read %d bytes of the body of a Complete for an upload that does not exist", n)
	}
}

// TestXMLBodiesStopAtTheirElementLimit: a body within its byte limit but
// holding more elements than its operation can accept (10,000 parts, 1,000
// keys) is refused as MalformedXML as soon as the count is passed, without
// decoding (or reading) the rest.
func TestXMLBodiesStopAtTheirElementLimit(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	id := createUpload(t, e, "mpb", "k")
	cases := []struct {
		name, target, root, elem string
		limit, maxElems          int
	}{
		{"CompleteMultipartUpload", "/mpb/k?uploadId=" + id, "CompleteMultipartUpload", "<Part></Part>", maxCompleteBody, maxCompleteElems},
		{"DeleteObjects", "/mpb?delete", "Delete", "<Object></Object>", maxDeleteBody, maxDeleteElems},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := hostile(c.root, c.elem, c.limit)
			body := &countingReader{r: strings.NewReader(raw)}
			expectErr(t, e.do("POST", c.target, body), 400, "MalformedXML")
			// The decoder reads ahead at most one buffer past the element
			// that broke the limit.
			bound := int64((c.maxElems+1)*len(c.elem) + len(c.root) + 2 + 64<<10)
			if n := body.n.Load(); n > bound || n >= int64(len(raw)) {
				t.Fatalf("read %d of %d bytes; the element limit (%d) is passed within %d", n, len(raw), c.maxElems, bound)
			}
		})
	}
}

// TestXMLBodyLimitsFitTheirOperation: the largest body each operation can
// legitimately take is within its element limit.
func TestXMLBodyLimitsFitTheirOperation(t *testing.T) {
	if maxCompleteElems < 1+maxParts*8 {
		t.Fatalf("maxCompleteElems %d cannot hold %d parts with PartNumber, ETag and five checksums", maxCompleteElems, maxParts)
	}
	if maxDeleteElems < 2+maxDeleteKeys*3 {
		t.Fatalf("maxDeleteElems %d cannot hold %d objects with Key and VersionId", maxDeleteElems, maxDeleteKeys)
	}
}

// TestXMLListsStopAtTheirItemLimit: the element budget is sized for full
// items (a part with all its checksums), so a body of empty items could
// otherwise hold eight times as many parts as a Complete accepts, each
// decoded into the list; no element may have more children than the
// operation's longest list, and decoding stops at the first one past it.
func TestXMLListsStopAtTheirItemLimit(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	id := createUpload(t, e, "mpb", "k")
	cases := []struct {
		name, target, root, elem string
		limit, items             int
	}{
		{"CompleteMultipartUpload", "/mpb/k?uploadId=" + id, "CompleteMultipartUpload", "<Part></Part>", maxCompleteBody, maxParts},
		{"DeleteObjects", "/mpb?delete", "Delete", "<Object></Object>", maxDeleteBody, maxDeleteKeys + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := hostile(c.root, c.elem, c.limit)
			body := &countingReader{r: strings.NewReader(raw)}
			expectErr(t, e.do("POST", c.target, body), 400, "MalformedXML")
			// The decoder reads ahead at most one buffer past the item
			// that broke the limit.
			bound := int64((c.items+1)*len(c.elem) + len(c.root) + 2 + 64<<10)
			if n := body.n.Load(); n > bound {
				t.Fatalf("read %d of %d bytes; the list limit (%d) is passed within %d", n, len(raw), c.items, bound)
			}
		})
	}
}

// TestCreateBucketConfigurationIsBounded: a CreateBucket configuration is
// decoded within the same element, list and depth limits as the other
// XML bodies, not skipped through however deep or long it is.
func TestCreateBucketConfigurationIsBounded(t *testing.T) {
	e := newEnv(t)
	lc := "<LocationConstraint>us-east-1</LocationConstraint>"
	for name, body := range map[string]string{
		"nested 1,000 deep":      "<CreateBucketConfiguration>" + strings.Repeat("<a>", 1000) + strings.Repeat("</a>", 1000) + lc + "</CreateBucketConfiguration>",
		"5,000 unknown elements": "<CreateBucketConfiguration>" + strings.Repeat("<a/>", 5000) + lc + "</CreateBucketConfiguration>",
	} {
		t.Run(name, func(t *testing.T) {
			expectErr(t, e.do("PUT", "/deep", strings.NewReader(body)), 400, "MalformedXML")
		})
	}
	e.mustDo(200, "PUT", "/deep", "<CreateBucketConfiguration>"+lc+"</CreateBucketConfiguration>")
}

// TestCompletePartKeepsETagAsSent: a CompleteMultipartUpload part keeps
// its ETag as an MD5 and a quoting form (its compact form, so that 32
// bodies of 10,000 parts decode in little memory), yet names the same
// stored part and is echoed in errors exactly as the client wrote it.
func TestCompletePartKeepsETagAsSent(t *testing.T) {
	const h = "0123456789abcdef0123456789abcdef"
	md, _ := hex.DecodeString(h)
	other, _ := hex.DecodeString("f" + h[1:])
	for _, tc := range []struct {
		etag  string
		names bool // names the stored part whose MD5 is h
	}{
		{h, true},
		{`"` + h + `"`, true},
		{`W/"` + h + `"`, true},
		{strings.ToUpper(h), false}, // signet's part ETags are lowercase
		{`W/` + h, false},
		{`"` + h, false},
		{`"x"`, false},
		{"", false},
		{h + "00", false},
	} {
		body := `<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>` + html.EscapeString(tc.etag) + `</ETag></Part></CompleteMultipartUpload>`
		var req completeRequest
		if err := readXML(strings.NewReader(body), maxCompleteBody, maxCompleteElems, maxParts, &req); err != nil {
			t.Fatalf("%q: %v", tc.etag, err)
		}
		p := req.Parts[0]
		if p.PartNumber != 3 || p.ETag() != tc.etag || p.names(md) != tc.names || p.names(other) {
			t.Errorf("%q: part %d, ETag() %q, names the part %v (want %v), names another %v", tc.etag, p.PartNumber, p.ETag(), p.names(md), tc.names, p.names(other))
		}
	}
}
