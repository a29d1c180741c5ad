package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"signet/internal/adminclient"
	"signet/internal/duration"
)

func clockShowCmd() *adminCmd {
	return &adminCmd{
		group: "clock", verb: "show", action: "signet:GetClock",
		summary: "print the server's lifetime clock and its real clock",
		about: `Prints the server's lifetime clock (the time that decides every presigned
URL window, session expiry and aws:CurrentTime) next to its real clock and
this machine's. They differ on a server started with --dev-clock, once it
has been advanced, or when this machine's clock is off. Then it says how the
server judges a presigned URL signed on this machine now.`,
		examples: []string{
			"signet admin clock show --endpoint-url http://localhost:9000",
			"AWS_ENDPOINT_URL=http://localhost:9000 signet admin clock show --json",
		},
		run: func(ctx context.Context, c *adminclient.Client, _ []string, o *adminOut) error {
			clk, err := c.Clock(ctx)
			if err != nil {
				return err
			}
			here := o.now()
			return o.emit(clk, func(w io.Writer) {
				writeClock(w, clk)
				writeJudged(w, clk, here)
			})
		},
	}
}

func clockResetCmd() *adminCmd {
	return &adminCmd{
		group: "clock", verb: "reset", action: "signet:ResetClock",
		summary: "bring the dev clock back to real time (server needs --dev-clock)",
		about: `Sets the server's lifetime clock back to its real clock, and stores that
with its data, as every move of the dev clock is stored, so a restart keeps
it. Sessions issued and objects written while the clock ran ahead keep their
times, which now lie in the server's future. The server must have been
started with --dev-clock.`,
		examples: []string{
			"signet admin clock reset --endpoint-url http://localhost:9000",
			"signet admin clock reset --json",
		},
		run: func(ctx context.Context, c *adminclient.Client, _ []string, o *adminOut) error {
			clk, err := c.Reset(ctx)
			if err != nil {
				return err
			}
			return o.emit(clk, func(w io.Writer) {
				fmt.Fprintln(w, "reset the clock to real time")
				writeClock(w, clk)
			})
		},
	}
}

func clockAdvanceCmd() *adminCmd {
	var d time.Duration
	return &adminCmd{
		group: "clock", verb: "advance", args: "<duration>", nargs: 1, action: "signet:AdvanceClock",
		summary: "move the dev clock forward (server needs --dev-clock)",
		about: `Moves the server's lifetime clock forward by <duration>, so URLs and
sessions expire without waiting. <duration> is a Go duration with an
optional leading day count (90s, 12h0m1s, 6d23h, 7d0h0m1s) or whole seconds
(3600). Time only moves forward. The server must have been started with
--dev-clock; its real clock, which the signature skew check uses, never
moves.`,
		examples: []string{
			"signet admin clock advance 12h0m1s --endpoint-url http://localhost:9000",
			"signet admin clock advance 7d0h0m1s   # just past the longest presigned URL",
			"signet admin clock advance 3600 --json",
		},
		check: func(args []string) error {
			var err error
			if d, err = duration.Parse(args[0]); err != nil {
				return err
			}
			if d <= 0 {
				return fmt.Errorf("time only moves forward: give a positive duration, not %q", args[0])
			}
			return nil
		},
		run: func(ctx context.Context, c *adminclient.Client, _ []string, o *adminOut) error {
			clk, err := c.Advance(ctx, d)
			if err != nil {
				return err
			}
			return o.emit(clk, func(w io.Writer) {
				fmt.Fprintf(w, "advanced the clock by %s\n", duration.Human(d))
				writeClock(w, clk)
			})
		},
	}
}

func writeClock(w io.Writer, c *adminclient.Clock) {
	note := "real clock: the server runs without --dev-clock"
	if c.DevClock {
		note = fmt.Sprintf("dev clock, %s ahead of real time", duration.Human(c.OffsetDuration()))
	}
	fmt.Fprintf(w, "now:  %s (%s)\nreal: %s\n", stamp(c.Now), note, stamp(c.Real))
}

// skewLimit is how far a header-signed request's date may be from the
// server's real clock, either way, before S3 refuses it.
const skewLimit = 15 * time.Minute

// writeJudged says how the server judges a presigned URL signed on this
// machine at here: X-Amz-Date is this machine's time, and the server
// compares it with its lifetime clock. The difference is measured when
// the answer arrives, to the second, the precision of X-Amz-Date.
func writeJudged(w io.Writer, c *adminclient.Clock, here time.Time) {
	ahead := c.Now.Sub(here).Round(time.Second)
	skew := c.Real.Sub(here).Round(time.Second)
	var rel string
	switch {
	case ahead > 0:
		rel = fmt.Sprintf("the server's lifetime clock is %s ahead of it", duration.Human(ahead))
	case ahead < 0:
		rel = fmt.Sprintf("the server's lifetime clock is %s behind it", duration.Human(-ahead))
	default:
		rel = "the server's lifetime clock agrees with it, to the second"
	}
	fmt.Fprintf(w, "here: %s (this machine's clock: %s)\n\n", stamp(here), rel)
	var p string
	switch {
	case ahead > 0:
		a := duration.Human(ahead)
		p = fmt.Sprintf("A presigned URL signed on this machine now is judged by the server as if signed %s ago: "+
			"its window runs %s short, so --expires-in %s or less is expired on arrival (403 AccessDenied \"Request has expired\")", a, a, a)
		if ahead < 7*24*time.Hour {
			p += fmt.Sprintf(" and 7d (604800) works for %s", duration.Human(7*24*time.Hour-ahead))
		}
		p += ". "
	case ahead < 0:
		a := duration.Human(-ahead)
		p = fmt.Sprintf("A presigned URL signed on this machine now is dated %s after the server's time: "+
			"it answers 403 AccessDenied \"Request is not yet valid\" for its first %s, then works until its window ends by the server's clock, %s after it ends by this machine's. ", a, a, a)
	default:
		p = "A presigned URL signed on this machine now works for exactly its --expires-in, unless the credentials that sign it expire first. "
	}
	if ahead != 0 {
		p += "Temporary credentials this server issues expire by the same clock, so a URL they sign still dies when their session ends " +
			"(signet presign converts that time to this machine's clock). "
	}
	if skew <= -skewLimit || skew >= skewLimit {
		p += fmt.Sprintf("Header-signed requests from this machine are refused (403 RequestTimeTooSkewed): "+
			"they are checked against the server's real clock, %s away from this machine's, more than 15 minutes.", duration.Human(abs(skew)))
	} else {
		p += "Header-signed requests are checked against the server's real clock, within 15 minutes of this machine's, so they work."
	}
	if c.DevClock && c.OffsetSeconds != 0 {
		p += " 'signet admin clock reset' brings the server back to real time."
	}
	fmt.Fprint(w, wrapParagraph(p, presignMaxWidth))
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// stamp prints a time for people: RFC 3339 in UTC to the second. --json
// keeps the server's nanoseconds.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
