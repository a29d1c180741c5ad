package sigv4

import (
	"net/http"
	"time"
)

// AmzDateFormat is the ISO 8601 basic format of X-Amz-Date.
const AmzDateFormat = "20060102T150405Z"

// ParseAmzDate parses yyyyMMddTHHmmssZ strictly, by hand: time.Parse would
// accept shorter fields than AWS does, and it is slower on the hot path.
func ParseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	var f [6]int
	pos := [6][2]int{{0, 4}, {4, 6}, {6, 8}, {9, 11}, {11, 13}, {13, 15}}
	for i, p := range pos {
		n := 0
		for k := p[0]; k < p[1]; k++ {
			c := s[k]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			n = n*10 + int(c-'0')
		}
		f[i] = n
	}
	mon, day, hour, min, sec := f[1], f[2], f[3], f[4], f[5]
	if mon < 1 || mon > 12 || day < 1 || hour > 23 || min > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(mon), day, hour, min, sec, 0, time.UTC)
	if t.Day() != day { // 20130231 would silently roll over into March
		return time.Time{}, false
	}
	return t, true
}

// FormatAmzDate renders t (in UTC) as yyyyMMddTHHmmssZ.
func FormatAmzDate(t time.Time) string {
	return t.UTC().Format(AmzDateFormat)
}

// parseHTTPDate accepts the Date header forms HTTP/1.1 allows (RFC 1123,
// RFC 850, ANSI C) plus RFC 1123 with a numeric zone, which some clients send.
func parseHTTPDate(s string) (time.Time, bool) {
	if t, err := http.ParseTime(s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.RFC1123Z, s); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}
