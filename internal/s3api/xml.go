package s3api

import (
	"bytes"
	"encoding/xml"
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

// owner is the one canonical account signet reports: policies, not owners,
// decide access, so every bucket and object shows the same owner.
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

// readXML decodes a request body of at most limit bytes into v. Oversized
// bodies and undecodable XML are MalformedXML/MaxMessageLengthExceeded, and
// body read errors keep their own meaning (signature, digest).
func readXML(body io.Reader, limit int64, v any) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, s3Err("MaxMessageLengthExceeded")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, s3Err("MalformedXML")
	}
	if !shallowXML(data, maxXMLDepth) {
		return nil, s3Err("MalformedXML")
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return nil, s3Err("MalformedXML")
	}
	return data, nil
}

// maxXMLDepth bounds the element nesting of request bodies. S3's request
// schemas nest a few levels (Delete/Object/Key); encoding/xml silently
// skips unknown elements however deep, so without this bound a body of
// thousands of nested unknown elements would be accepted as if they were
// not there, where S3 refuses what does not follow its schema.
const maxXMLDepth = 32

// shallowXML reports whether data is well-formed XML nested at most max
// elements deep. It reads raw tokens, so it costs no allocation per
// element beyond the decoder's own.
func shallowXML(data []byte, max int) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return depth == 0
		}
		if err != nil {
			return false
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth++; depth > max {
				return false
			}
		case xml.EndElement:
			depth--
		}
	}
}
