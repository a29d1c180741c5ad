package sigv4

import "strings"

// CanonicalURI returns the canonical URI for escapedPath, the path exactly as
// sent on the wire.
//
// In S3 mode that path is the answer (or "/" when empty): S3 signs the bytes
// the client sent, encoded once, and a key may legitimately contain "//",
// "./" or "../". In Generic mode the path is normalised like botocore's
// normalize_url_path and every segment is UriEncoded again, which is why an
// already-encoded "%20" becomes "%2520" for IAM and STS.
func CanonicalURI(escapedPath string, mode Mode) string {
	switch mode {
	case Generic:
		return URIEncode(normalizePath(escapedPath), false)
	case GenericUnnormalized:
		if escapedPath == "" {
			return "/"
		}
		return URIEncode(escapedPath, false)
	}
	if escapedPath == "" {
		return "/"
	}
	return escapedPath
}

func appendCanonicalURI(dst []byte, escapedPath string, mode Mode) []byte {
	if mode == S3 {
		if escapedPath == "" {
			return append(dst, '/')
		}
		return append(dst, escapedPath...)
	}
	return append(dst, CanonicalURI(escapedPath, mode)...)
}

// normalizePath removes "." and ".." segments and empty segments (merging
// "//"), keeping a leading "/" and a trailing "/" when the input had one and
// something remains, exactly as botocore's remove_dot_segments does; the AWS
// test suite's *-normalized cases are built that way.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := make([]string, 0, 8)
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	var b strings.Builder
	b.Grow(len(p) + 1)
	b.WriteByte('/') // SigV4 canonical URIs are absolute
	b.WriteString(strings.Join(segs, "/"))
	if len(segs) > 0 && p[len(p)-1] == '/' {
		b.WriteByte('/')
	}
	return b.String()
}
