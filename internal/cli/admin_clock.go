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
URL window, session expiry and aws:CurrentTime) next to its real clock. They
differ only on a server started with --dev-clock, once it has been advanced.`,
		examples: []string{
			"signet admin clock show --endpoint-url http://localhost:9000",
			"AWS_ENDPOINT_URL=http://localhost:9000 signet admin clock show --json",
		},
		run: func(ctx context.Context, c *adminclient.Client, _ []string, o *adminOut) error {
			clk, err := c.Clock(ctx)
			if err != nil {
				return err
			}
			return o.emit(clk, func(w io.Writer) { writeClock(w, clk) })
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

// stamp prints a time for people: RFC 3339 in UTC to the second. --json
// keeps the server's nanoseconds.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
