package sigv4

import "strings"

// ParseCredential splits AKID/YYYYMMDD/region/service/aws4_request. It parses
// from the right so that the scope is always the last four fields; the
// access key id is everything before them and must be non-empty. The date
// must be eight digits; region and service must be non-empty.
func ParseCredential(s string) (accessKeyID string, sc Scope, ok bool) {
	rest, term, found := cutLast(s)
	if !found || term != "aws4_request" {
		return "", Scope{}, false
	}
	rest, sc.Service, found = cutLast(rest)
	if !found || sc.Service == "" {
		return "", Scope{}, false
	}
	rest, sc.Region, found = cutLast(rest)
	if !found || sc.Region == "" {
		return "", Scope{}, false
	}
	accessKeyID, sc.Date, found = cutLast(rest)
	if !found || accessKeyID == "" || !isDate8(sc.Date) {
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
