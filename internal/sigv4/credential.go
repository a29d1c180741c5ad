package sigv4

import "strings"

// ParseCredential splits AKID/YYYYMMDD/region/service/aws4_request. It parses
// from the right so that the scope is always the last four fields; the
// access key id is everything before them and must be non-empty. The date
// must be eight digits; region and service must be non-empty.
func ParseCredential(s string) (accessKeyID string, sc Scope, ok bool) {
	rest, term, found := cutLast(s)
	if !found {
		return "", Scope{}, false
	}
	rest, sc.Service, found = cutLast(rest)
	if !found {
		return "", Scope{}, false
	}
	rest, sc.Region, found = cutLast(rest)
	if !found {
		return "", Scope{}, false
	}
	accessKeyID, sc.Date, found = cutLast(rest)
	if !found || !validCredential(accessKeyID, sc, term) {
		return "", Scope{}, false
	}
	return accessKeyID, sc, true
}

// validCredential checks the fields of a credential split at its last four
// slashes.
func validCredential(accessKeyID string, sc Scope, term string) bool {
	return term == "aws4_request" && sc.Service != "" && sc.Region != "" && accessKeyID != "" && isDate8(sc.Date)
}

// parseEncodedCredential is ParseCredential(decodeComponent(raw)) for an
// X-Amz-Credential still in its query encoding, without building the
// decoded string: SDKs send the slashes as "%2F", so decoding first would
// allocate on every presigned request. It finds the tokens that decode to
// "/" in the encoded form and decodes each field on its own, which
// allocates only for a field that itself holds an escape.
// FuzzEncodedCredential holds it to that equivalence.
func parseEncodedCredential(raw string) (accessKeyID string, sc Scope, ok bool) {
	if !needsDecode(raw) {
		return ParseCredential(raw)
	}
	// The [start, end) of the last four separator tokens, oldest first.
	var seps [4][2]int
	n := 0
	for i := 0; i < len(raw); {
		b, next := decodeByte(raw, i)
		if b == '/' {
			copy(seps[:], seps[1:])
			seps[3] = [2]int{i, next}
			n++
		}
		i = next
	}
	if n < 4 {
		return "", Scope{}, false
	}
	accessKeyID = decodeComponent(raw[:seps[0][0]])
	sc = Scope{
		Date:    decodeComponent(raw[seps[0][1]:seps[1][0]]),
		Region:  decodeComponent(raw[seps[1][1]:seps[2][0]]),
		Service: decodeComponent(raw[seps[2][1]:seps[3][0]]),
	}
	if !validCredential(accessKeyID, sc, decodeComponent(raw[seps[3][1]:])) {
		return "", Scope{}, false
	}
	return accessKeyID, sc, true
}

func cutLast(s string) (before, after string, found bool) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

func isDate8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
