package s3api

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	s3NS      = "http://s3.amazonaws.com/doc/2006-03-01/"
	// iso8601 is the timestamp shape of S3 XML bodies (milliseconds, Z).
	iso8601 = "2006-01-02T15:04:05.000Z"
)

// owner is the one canonical account signet reports: every bucket and
// object belongs to the one account, so all show the same owner, and it
// is the only canonical user ID an ACL may grant to.
var owner = ownerXML{
	ID:          "5e6d2b1ac27e1c8b6a36e7e5fba4b7c1b50c2a7e0c44bb43d9e2cba4e0a6f9c1",
	DisplayName: "signet",
}

type ownerXML struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

func xmlEscape(b *strings.Builder, s string) {
	_ = xml.EscapeText(b, []byte(s))
}

func isoTime(t time.Time) string { return t.UTC().Format(iso8601) }

// quoteETag writes an ETag the way S3 shows it, in double quotes.
func quoteETag(etag string) string { return `"` + etag + `"` }

// writeXML renders v after the XML declaration with a Content-Length, so
// clients never see a chunked XML reply.
func writeXML(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	buf.WriteString(xmlHeader)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	// encoding/xml writes '"' as &#34;; S3 writes &quot; (ETags are
	// quoted). Both are the same XML; match the wire clients have seen.
	out := bytes.ReplaceAll(buf.Bytes(), []byte("&#34;"), []byte("&quot;"))
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	_, _ = w.Write(out)
	return nil
}

// readXML stream-decodes a request body into v: at most limit bytes
// (MaxMessageLengthExceeded past that), at most maxElems elements, none
// with more than maxItems children (the operation's longest list), nested
// at most maxXMLDepth deep (MalformedXML past any), so that what
// a body costs is bounded by what its operation can accept, not by its
// size: the decoder stops at the first element too many. The body is read
// to its end, so a payload-hash or checksum check on it still runs, and a
// body read error keeps its own meaning (signature, digest, short body).
func readXML(body io.Reader, limit int64, maxElems, maxItems int, v any) error {
	lb := &limitedBody{r: body, left: limit}
	tr := &boundedTokens{d: xml.NewDecoder(lb), maxElems: maxElems, maxItems: maxItems}
	d := xml.NewTokenDecoder(tr)
	err := d.Decode(v)
	if err == nil {
		// What follows the root must be well-formed too, and the body
		// must be read to its end.
		for err == nil {
			_, err = d.Token()
		}
		if err == io.EOF {
			err = nil
		}
	}
	switch {
	case lb.err == errBodyTooLarge:
		return s3Err(codeMaxMessageLengthExceeded)
	case lb.err != nil:
		return lb.err
	case err != nil:
		return s3Err(codeMalformedXML)
	}
	return nil
}

// errBodyTooLarge: a body went past its limit.
var errBodyTooLarge = errors.New("s3api: request body too large")

// limitedBody reads at most left bytes of r; one more is errBodyTooLarge.
// It keeps the first read error other than EOF, which is the body's own
// verdict (a payload-hash mismatch arrives with the last bytes).
type limitedBody struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.left <= 0 {
		// Probe for one byte more than allowed.
		var one [1]byte
		p = one[:]
	} else if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	if l.left <= 0 && n > 0 {
		l.err = errBodyTooLarge
		return 0, l.err
	}
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// boundedTokens passes on a decoder's raw tokens and fails once there are
// more than maxElems elements, an element has more than maxItems
// children, or they nest deeper than maxXMLDepth. encoding/xml skips
// unknown elements however deep or many, and appends every repeated one
// it knows, so without these bounds a body within its byte limit could
// still cost memory out of all proportion. maxElems alone is not enough:
// it is sized for full items, and empty ones (<Part/>) would fit eight
// times as many into the list.
type boundedTokens struct {
	d               *xml.Decoder
	maxElems, elems int
	maxItems        int
	depth           int
	// children counts the children of each open element, outermost
	// first; children[0] counts root elements.
	children [maxXMLDepth + 1]int
}

var errTooManyElements = errors.New("s3api: XML body has too many elements or is nested too deep")

func (b *boundedTokens) Token() (xml.Token, error) {
	tok, err := b.d.RawToken()
	if err != nil {
		if err == io.EOF && b.depth != 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch tok.(type) {
	case xml.StartElement:
		b.elems++
		if b.elems > b.maxElems || b.depth >= maxXMLDepth {
			return nil, errTooManyElements
		}
		if b.children[b.depth]++; b.children[b.depth] > b.maxItems {
			return nil, errTooManyElements
		}
		b.depth++
		b.children[b.depth] = 0
	case xml.EndElement:
		if b.depth > 0 {
			b.depth--
		}
	}
	return tok, nil
}

// maxXMLDepth bounds the element nesting of request bodies. S3's request
// schemas nest a few levels (Delete/Object/Key); encoding/xml silently
// skips unknown elements however deep, so without this bound a body of
// thousands of nested unknown elements would be accepted as if they were
// not there, where S3 refuses what does not follow its schema.
const maxXMLDepth = 32
