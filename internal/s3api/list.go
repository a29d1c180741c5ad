package s3api

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"

	"signet/internal/checksum"
	"signet/internal/meta"
)

const maxListKeys = 1000

type objectXML struct {
	Key               string    `xml:"Key"`
	LastModified      string    `xml:"LastModified"`
	ETag              string    `xml:"ETag"`
	ChecksumAlgorithm string    `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string    `xml:"ChecksumType,omitempty"`
	Size              int64     `xml:"Size"`
	Owner             *ownerXML `xml:"Owner,omitempty"`
	StorageClass      string    `xml:"StorageClass"`
}

type prefixXML struct {
	Prefix string `xml:"Prefix"`
}

type listV1Result struct {
	XMLName        xml.Name    `xml:"ListBucketResult"`
	NS             string      `xml:"xmlns,attr"`
	Name           string      `xml:"Name"`
	Prefix         string      `xml:"Prefix"`
	Marker         string      `xml:"Marker"`
	NextMarker     string      `xml:"NextMarker,omitempty"`
	MaxKeys        int         `xml:"MaxKeys"`
	Delimiter      string      `xml:"Delimiter,omitempty"`
	EncodingType   string      `xml:"EncodingType,omitempty"`
	IsTruncated    bool        `xml:"IsTruncated"`
	Contents       []objectXML `xml:"Contents"`
	CommonPrefixes []prefixXML `xml:"CommonPrefixes"`
}

type listV2Result struct {
	XMLName               xml.Name    `xml:"ListBucketResult"`
	NS                    string      `xml:"xmlns,attr"`
	Name                  string      `xml:"Name"`
	Prefix                string      `xml:"Prefix"`
	StartAfter            string      `xml:"StartAfter,omitempty"`
	ContinuationToken     string      `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string      `xml:"NextContinuationToken,omitempty"`
	KeyCount              int         `xml:"KeyCount"`
	MaxKeys               int         `xml:"MaxKeys"`
	Delimiter             string      `xml:"Delimiter,omitempty"`
	EncodingType          string      `xml:"EncodingType,omitempty"`
	IsTruncated           bool        `xml:"IsTruncated"`
	Contents              []objectXML `xml:"Contents"`
	CommonPrefixes        []prefixXML `xml:"CommonPrefixes"`
}

// listParams are the parameters both listing versions share.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	encode            func(string) string
	encodingType      string
}

func parseListParams(q url.Values, maxName string) (listParams, error) {
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: maxListKeys, encode: func(s string) string { return s }}
	if v, ok := q[maxName]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return p, s3Err(codeInvalidArgument).msg("Provided "+maxName+" not an integer or within integer range").
				with("ArgumentName", maxName).with("ArgumentValue", v[0])
		}
		p.maxKeys = min(n, maxListKeys)
	}
	if et := q.Get("encoding-type"); et != "" {
		if et != "url" {
			return p, s3Err(codeInvalidArgument).msg("Invalid Encoding Method specified in Request").
				with("ArgumentName", "encoding-type").with("ArgumentValue", et)
		}
		p.encodingType, p.encode = "url", s3URLEncode
	}
	return p, nil
}

// s3URLEncode is S3's encoding-type=url: every byte but the unreserved
// characters of RFC 3986 and "/" is percent-encoded with upper-case hex
// (a space is %20, "+" is %2B), so the value decodes the same through
// botocore's unquote_plus, Go's url.QueryUnescape and url.PathUnescape,
// and a prefix keeps its "/" readable as S3's does.
func s3URLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !keptByURLEncoding(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keptByURLEncoding(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func keptByURLEncoding(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || c == '/'
}

func (a *API) list(rq *request, p listParams, after string) (meta.ListPage, error) {
	page, err := a.cfg.Meta.ListObjects(rq.r.Context(), rq.bucket, meta.ListQuery{
		Prefix: p.prefix, Delimiter: p.delimiter, After: after, MaxKeys: p.maxKeys,
	})
	return page, noSuchBucket(err, rq.bucket)
}

func objectsXML(page meta.ListPage, p listParams, withOwner bool) ([]objectXML, []prefixXML) {
	objs := make([]objectXML, 0, len(page.Objects))
	for _, o := range page.Objects {
		x := objectXML{
			Key: p.encode(o.Key), LastModified: isoTime(o.LastModified), ETag: quoteETag(o.ETag),
			Size: o.Size, StorageClass: storageClassOf(o.Attrs),
		}
		for _, alg := range checksum.Algorithms {
			if _, ok := o.Checksums[string(alg)]; ok {
				x.ChecksumAlgorithm, x.ChecksumType = string(alg), o.ChecksumType
				break
			}
		}
		if withOwner {
			own := owner
			x.Owner = &own
		}
		objs = append(objs, x)
	}
	var cps []prefixXML
	for _, cp := range page.CommonPrefixes {
		cps = append(cps, prefixXML{Prefix: p.encode(cp)})
	}
	return objs, cps
}

func (a *API) listObjectsV1(rq *request) error {
	p, err := parseListParams(rq.query, "max-keys")
	if err != nil {
		return err
	}
	marker := rq.query.Get("marker")
	page, err := a.list(rq, p, marker)
	if err != nil {
		return err
	}
	out := listV1Result{
		NS: s3NS, Name: rq.bucket, Prefix: p.encode(p.prefix), Marker: p.encode(marker), MaxKeys: p.maxKeys,
		Delimiter: p.encode(p.delimiter), EncodingType: p.encodingType, IsTruncated: page.IsTruncated,
	}
	// V1 clients without a delimiter continue from the last key; S3 sends
	// NextMarker only when a delimiter makes that ambiguous.
	if p.delimiter != "" && page.IsTruncated {
		out.NextMarker = p.encode(page.NextAfter)
	}
	out.Contents, out.CommonPrefixes = objectsXML(page, p, true)
	return writeXML(rq.w, http.StatusOK, out)
}

func (a *API) listObjectsV2(rq *request) error {
	q := rq.query
	p, err := parseListParams(q, "max-keys")
	if err != nil {
		return err
	}
	startAfter := q.Get("start-after")
	after := startAfter
	token, hasToken := q["continuation-token"]
	if hasToken {
		dec, err := base64.RawURLEncoding.DecodeString(token[0])
		if err != nil || token[0] == "" {
			return s3Err(codeInvalidArgument).msg("The continuation token provided is incorrect").
				with("ArgumentName", "continuation-token")
		}
		// The token is the position the previous page stopped at; it
		// supersedes start-after.
		after = string(dec)
	}
	page, err := a.list(rq, p, after)
	if err != nil {
		return err
	}
	out := listV2Result{
		NS: s3NS, Name: rq.bucket, Prefix: p.encode(p.prefix), StartAfter: p.encode(startAfter),
		KeyCount: len(page.Objects) + len(page.CommonPrefixes), MaxKeys: p.maxKeys,
		Delimiter: p.encode(p.delimiter), EncodingType: p.encodingType, IsTruncated: page.IsTruncated,
	}
	if hasToken {
		out.ContinuationToken = token[0]
	}
	if page.IsTruncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(page.NextAfter))
	}
	out.Contents, out.CommonPrefixes = objectsXML(page, p, q.Get("fetch-owner") == "true")
	return writeXML(rq.w, http.StatusOK, out)
}
