package duration

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"90s", 90 * time.Second},
		{"12h0m1s", 12*time.Hour + time.Second},
		{"6d23h", 6*Day + 23*time.Hour},
		{"7d0h0m1s", 7*Day + time.Second},
		{"2d", 2 * Day},
		{"0d", 0},
		{"1d1.5h", Day + 90*time.Minute},
		{"1d500ms", Day + 500*time.Millisecond},
		{"3600", time.Hour},
		{"0", 0},
		{"007", 7 * time.Second},
		{"+3600", time.Hour},
		{"-3600", -time.Hour},
		{"-1d2h", -(Day + 2*time.Hour)},
		{"+1d", Day},
		{"1.5h", 90 * time.Minute},
		{".5s", 500 * time.Millisecond},
		{"1.s", time.Second},
		{"1h1h", 2 * time.Hour}, // as time.ParseDuration
		{"1µs", time.Microsecond},
		{"1μs", time.Microsecond},
		{"1us", time.Microsecond},
		{"3ns", 3},
		{"9223372036", 9223372036 * time.Second},
		{"106751d23h47m16.854775807s", math.MaxInt64},
		{"-106751d23h47m16.854775808s", math.MinInt64},
		{"2562047h47m16.854775807s", math.MaxInt64},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		in       string
		sentinel error
		want     string
	}{
		{"", ErrSyntax, "empty"},
		{"-", ErrSyntax, "empty"},
		{"+", ErrSyntax, "empty"},
		{"abc", ErrSyntax, `expected a number at "abc"`},
		{"1x", ErrSyntax, `unknown unit "x"`},
		{"1D", ErrSyntax, `unknown unit "D"`},
		{"1h2d", ErrSyntax, "a day count must come first"},
		{"1d2d", ErrSyntax, "a day count must come first"},
		{"1.5d", ErrSyntax, "whole number"},
		{"2d30", ErrSyntax, "missing unit"},
		{"2d-1h", ErrSyntax, `unknown unit "d-"`},
		{"d", ErrSyntax, "expected a number"},
		{".s", ErrSyntax, "at least one digit"},
		{"1 h", ErrSyntax, `unknown unit " h"`},
		{" 1h", ErrSyntax, "expected a number"},
		{"1h ", ErrSyntax, `unknown unit "h "`},
		{"--1h", ErrSyntax, "expected a number"},
		{"1e3s", ErrSyntax, `unknown unit "e"`},
		{"0x10", ErrSyntax, `unknown unit "x"`},
		{"9223372037", ErrRange, "out of range"},
		{"99999999999999999999", ErrRange, "out of range"},
		{"106752d", ErrRange, "out of range"},
		{"106751d24h", ErrRange, "out of range"},
		{"106751d23h47m16.854775808s", ErrRange, "out of range"},
		{"-106751d23h47m16.854775809s", ErrRange, "out of range"},
		{"9999999999999999999h", ErrRange, "out of range"},
		{"2562048h", ErrRange, "out of range"},
	}
	for _, c := range cases {
		d, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v; want an error", c.in, d)
			continue
		}
		if !errors.Is(err, c.sentinel) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) error %q; want %v containing %q", c.in, err, c.sentinel, c.want)
		}
		if c.sentinel == ErrSyntax && !strings.Contains(err.Error(), "6d23h") {
			t.Errorf("Parse(%q) error %q does not say what is accepted", c.in, err)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{90 * time.Second, "1m30s"},
		{12*time.Hour + time.Second, "12h0m1s"},
		{Day - 1, "23h59m59.999999999s"},
		{500 * time.Millisecond, "500ms"},
		{Day, "1d0h0m0s"},
		{2 * Day, "2d0h0m0s"},
		{6*Day + 23*time.Hour, "6d23h0m0s"},
		{7*Day + time.Second, "7d0h0m1s"},
		{Day + 1500*time.Millisecond, "1d0h0m1.5s"},
		{Day + 1, "1d0h0m0.000000001s"},
		{-Day, "-1d0h0m0s"},
		{-time.Hour, "-1h0m0s"},
		{math.MaxInt64, "106751d23h47m16.854775807s"},
		{math.MinInt64, "-106751d23h47m16.854775808s"},
	}
	for _, c := range cases {
		if got := Format(c.in); got != c.want {
			t.Errorf("Format(%d) = %q; want %q", int64(c.in), got, c.want)
		}
		if back, err := Parse(c.want); err != nil || back != c.in {
			t.Errorf("Parse(Format(%d)) = %v, %v", int64(c.in), back, err)
		}
	}
}

// FuzzParse: Parse never panics; whatever it accepts prints and parses back
// to the same value; and it agrees with time.ParseDuration on everything
// that function accepts (this package only adds days and bare seconds).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"90s", "12h0m1s", "6d23h", "7d0h0m1s", "2d", "3600", "-1.5h", ".5s", "1µs",
		"", "d", "1h2d", "9223372037", "106751d23h47m16.854775808s", "1.0000000000000000000001h", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err == nil {
			if back, err := Parse(Format(d)); err != nil || back != d {
				t.Fatalf("Parse(%q) = %d; Format = %q; parsed back %d, %v", s, int64(d), Format(d), int64(back), err)
			}
		} else if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
			t.Fatalf("Parse(%q) error %v wraps neither ErrSyntax nor ErrRange", s, err)
		}
		if want, goErr := time.ParseDuration(s); goErr == nil && (err != nil || d != want) {
			t.Fatalf("Parse(%q) = %d, %v; time.ParseDuration = %d", s, int64(d), err, int64(want))
		}
		// Without a day unit and with a unit somewhere, the grammar is Go's.
		if err == nil && !strings.Contains(s, "d") && !allDigits(strings.TrimLeft(s, "+-")) {
			if _, goErr := time.ParseDuration(s); goErr != nil {
				t.Fatalf("Parse(%q) = %d but time.ParseDuration refuses it: %v", s, int64(d), goErr)
			}
		}
	})
}

// FuzzFormat: every duration round-trips through Format and Parse.
func FuzzFormat(f *testing.F) {
	for _, d := range []int64{0, 1, -1, int64(Day), int64(Day) - 1, math.MaxInt64, math.MinInt64, int64(7*Day + time.Second)} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		d := time.Duration(n)
		s := Format(d)
		if back, err := Parse(s); err != nil || back != d {
			t.Fatalf("Format(%d) = %q; Parse = %d, %v", n, s, int64(back), err)
		}
	})
}

func TestHuman(t *testing.T) {
	cases := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{time.Nanosecond, "less than a second"},
		{-999 * time.Millisecond, "less than a second"},
		{time.Second, "1s"},
		{1500 * time.Millisecond, "1s"},
		{45 * time.Second, "45s"},
		{12*time.Minute + 5*time.Second, "12m5s"},
		{time.Hour, "1h"},
		{12 * time.Hour, "12h"},
		{12*time.Hour + time.Second, "12h0m1s"},
		{3*time.Hour + 12*time.Minute, "3h12m"},
		{6*Day + 12*time.Hour, "6d12h"},
		{6*Day + 23*time.Hour + 59*time.Minute + 58*time.Second + 900*time.Millisecond, "6d23h59m58s"},
		{7 * Day, "7d"},
		{2*Day + time.Minute, "2d0h1m"},
		{-(2*Day + 4*time.Hour), "2d4h"},
		{math.MaxInt64, "106751d23h47m16s"},
		{math.MinInt64, "106751d23h47m16s"},
	}
	for _, c := range cases {
		if got := Human(c.in); got != c.want {
			t.Errorf("Human(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestHumanReadsBack: what people read can be typed back (--expires-in,
// clock advance) and means the same duration, to the second.
func TestHumanReadsBack(t *testing.T) {
	for _, d := range []time.Duration{time.Second, 59 * time.Second, 90 * time.Minute, 12*time.Hour + time.Second,
		Day, 6*Day + 12*time.Hour, 7*Day + time.Second, 36*time.Hour + 7*time.Millisecond, 123456789 * time.Second} {
		got, err := Parse(Human(d))
		if err != nil || got != d.Truncate(time.Second) {
			t.Errorf("Parse(Human(%v)) = %v, %v; want %v", d, got, err, d.Truncate(time.Second))
		}
	}
}
