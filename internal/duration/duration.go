// Package duration parses and prints the durations signet's admin API and
// CLI accept: Go durations ("90s", "12h0m1s") with an optional leading day
// count ("6d23h", "7d0h0m1s", "2d"), or a plain number of seconds ("3600").
//
// Days exist because the lifetimes people reason about (a 7-day presigned
// URL, a 36-hour session) are awkward in hours; seconds exist because that
// is how AWS states every lifetime (X-Amz-Expires, DurationSeconds).
//
// The Go-duration part follows time.ParseDuration exactly (same units, same
// fraction rounding, same range), but the parser is our own so that range
// errors can be told apart from syntax errors. A differential fuzz target
// keeps the two in step.
package duration

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours. Durations here are elapsed time, not calendar days: a
// lifetime clock knows no daylight-saving shifts.
const Day = 24 * time.Hour

// ErrSyntax and ErrRange are wrapped by every error Parse returns, so
// callers can tell "not a duration" from "too large".
var (
	ErrSyntax = errors.New("not a duration")
	ErrRange  = errors.New("duration out of range")
)

// hint ends every syntax error so the user sees what is accepted.
const hint = "want a Go duration with an optional leading day count (90s, 12h0m1s, 6d23h) or whole seconds (3600)"

var unitMap = map[string]uint64{
	"ns": uint64(time.Nanosecond),
	"us": uint64(time.Microsecond),
	"µs": uint64(time.Microsecond), // U+00B5 micro sign, what Duration.String prints
	"μs": uint64(time.Microsecond), // U+03BC Greek small letter mu
	"ms": uint64(time.Millisecond),
	"s":  uint64(time.Second),
	"m":  uint64(time.Minute),
	"h":  uint64(time.Hour),
	"d":  uint64(Day), // only as the first, integer, component
}

// Parse parses s. An optional sign applies to the whole duration, as in
// time.ParseDuration; whether a negative or zero duration makes sense is
// the caller's business.
func Parse(s string) (time.Duration, error) {
	orig := s
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, syntaxErr(orig, "empty")
	}
	var total uint64 // magnitude; 1<<63 is reachable only when negative
	if allDigits(s) {
		secs, ok := leadingInt(s)
		if !ok || secs > (1<<63)/uint64(time.Second) {
			return 0, rangeErr(orig)
		}
		total = secs * uint64(time.Second)
	} else {
		for first := true; s != ""; first = false {
			if c := s[0]; c != '.' && (c < '0' || c > '9') {
				return 0, syntaxErr(orig, fmt.Sprintf("expected a number at %q", s))
			}
			i := 0
			for i < len(s) && '0' <= s[i] && s[i] <= '9' {
				i++
			}
			v, ok := leadingInt(s[:i])
			if !ok {
				return 0, rangeErr(orig)
			}
			pre := i > 0
			s = s[i:]
			var f uint64
			scale := 1.0
			post, hasDot := false, false
			if s != "" && s[0] == '.' {
				hasDot = true
				s = s[1:]
				j := 0
				for j < len(s) && '0' <= s[j] && s[j] <= '9' {
					j++
				}
				f, scale = leadingFraction(s[:j])
				post = j > 0
				s = s[j:]
			}
			if !pre && !post {
				return 0, syntaxErr(orig, "a number needs at least one digit")
			}
			j := 0
			for j < len(s) && s[j] != '.' && (s[j] < '0' || s[j] > '9') {
				j++
			}
			u := s[:j]
			s = s[j:]
			if u == "" {
				return 0, syntaxErr(orig, "missing unit (d, h, m, s, ms, us or ns)")
			}
			unit, ok := unitMap[u]
			if !ok {
				return 0, syntaxErr(orig, fmt.Sprintf("unknown unit %q", u))
			}
			if u == "d" {
				if !first {
					return 0, syntaxErr(orig, "a day count must come first")
				}
				if hasDot {
					return 0, syntaxErr(orig, "a day count must be a whole number")
				}
			}
			if v > (1<<63)/unit {
				return 0, rangeErr(orig)
			}
			v *= unit
			if f > 0 {
				// As time.ParseDuration: float64 keeps fractions of an
				// hour nanosecond-accurate.
				v += uint64(float64(f) * (float64(unit) / scale))
				if v > 1<<63 {
					return 0, rangeErr(orig)
				}
			}
			total += v
			if total > 1<<63 {
				return 0, rangeErr(orig)
			}
		}
	}
	if neg {
		return -time.Duration(total), nil // 1<<63 wraps to math.MinInt64, as intended
	}
	if total > 1<<63-1 {
		return 0, rangeErr(orig)
	}
	return time.Duration(total), nil
}

// Format prints d the way Parse reads it back: Go's form below one day
// ("12h0m1s", "1.5s"), and from one day on a day count followed by hours,
// minutes and seconds ("6d23h0m0s", "7d0h0m1s", "2d0h0m0s").
func Format(d time.Duration) string {
	if d > -Day && d < Day {
		return d.String()
	}
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign = "-"
		u = -u // two's complement magnitude; correct even for math.MinInt64
	}
	days := u / uint64(Day)
	u %= uint64(Day)
	h := u / uint64(time.Hour)
	u %= uint64(time.Hour)
	m := u / uint64(time.Minute)
	u %= uint64(time.Minute)
	sec := u / uint64(time.Second)
	frac := u % uint64(time.Second)
	var b strings.Builder
	fmt.Fprintf(&b, "%s%dd%dh%dm%d", sign, days, h, m, sec)
	if frac != 0 {
		b.WriteString(strings.TrimRight(fmt.Sprintf(".%09d", frac), "0"))
	}
	b.WriteString("s")
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// leadingInt parses a run of digits, reporting false past 1<<63.
func leadingInt(s string) (uint64, bool) {
	var x uint64
	for i := 0; i < len(s); i++ {
		if x > (1<<63)/10 {
			return 0, false
		}
		x = x*10 + uint64(s[i]-'0')
		if x > 1<<63 {
			return 0, false
		}
	}
	return x, true
}

// leadingFraction parses the digits after a decimal point. Like
// time.ParseDuration it stops gaining precision rather than failing when
// there are too many digits.
func leadingFraction(s string) (x uint64, scale float64) {
	scale = 1
	for i := 0; i < len(s); i++ {
		if x > (1<<63-1)/10 {
			break
		}
		y := x*10 + uint64(s[i]-'0')
		if y > 1<<63 {
			break
		}
		x = y
		scale *= 10
	}
	return x, scale
}

func syntaxErr(s, why string) error {
	return fmt.Errorf("%w %s: %s; %s", ErrSyntax, strconv.Quote(s), why, hint)
}

func rangeErr(s string) error {
	return fmt.Errorf("%s: %w (at most about %dd, 292 years)", strconv.Quote(s), ErrRange, int64(1<<63-1)/int64(Day))
}

// Human prints d for people, the one way signet shows a duration in a
// sentence, a warning or a table: whole seconds (rounded down, so a
// remaining time is never overstated), largest unit first, with the zero
// units at the end left off ("6d12h", "12h0m1s", "45s", "7d"). Parse reads
// it back to the second. The sign is dropped, since callers say "ago" or
// "in"; zero is "0s" and anything shorter than a second "less than a
// second". Machine fields (JSON seconds, the admin API) keep Format.
func Human(d time.Duration) string {
	u := uint64(d)
	if d < 0 {
		u = -u // magnitude; correct even for math.MinInt64
	}
	if u == 0 {
		return "0s"
	}
	if u < uint64(time.Second) {
		return "less than a second"
	}
	parts := [...]struct {
		size uint64
		name string
	}{{uint64(Day), "d"}, {uint64(time.Hour), "h"}, {uint64(time.Minute), "m"}, {uint64(time.Second), "s"}}
	var b strings.Builder
	for _, p := range parts {
		n := u / p.size
		u %= p.size
		if n > 0 || b.Len() > 0 {
			fmt.Fprintf(&b, "%d%s", n, p.name)
		}
		if u < uint64(time.Second) {
			break // the rest is zero units (or a fraction of a second)
		}
	}
	return b.String()
}
