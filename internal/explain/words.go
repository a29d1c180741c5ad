package explain

import (
	"strings"
	"time"

	"signet/internal/duration"
)

// stamp is a time as messages show it: RFC 3339 in UTC.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ago is a duration as messages show it: signet's one format for people
// ("3h12m", "2d4h"); a negative one is shown by its size.
func ago(d time.Duration) string { return duration.Human(d) }

// capital starts a sentence with s.
func capital(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// trimDot drops a final period, so an AWS message can sit inside a
// sentence.
func trimDot(s string) string { return strings.TrimSuffix(s, ".") }
