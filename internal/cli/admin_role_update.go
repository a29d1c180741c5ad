package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"signet/internal/adminclient"
	"signet/internal/duration"
)

func roleUpdateCmd() *adminCmd {
	var maxSession stringFlag
	var maxSessionD time.Duration
	return &adminCmd{
		group: "role", verb: "update", args: "<name>", nargs: 1,
		usage:   "<name> --max-session-duration <d>",
		action:  "iam:UpdateRole and iam:GetRole",
		summary: "change a role's longest session",
		about: `Changes a role's MaxSessionDuration: the longest session AssumeRole gives
(its DurationSeconds may go up to it), 1h to 12h. Sessions already issued
keep their expiry, as on AWS. A profile asks for a long session with
duration_seconds; without it a session, and every URL it signs, lasts 1
hour.`,
		flags: []adminFlag{
			{name: "max-session-duration", arg: "DURATION", help: "longest AssumeRole session, 1h to 12h, e.g. 12h or 43200", value: &maxSession},
		},
		examples: []string{
			"signet admin role update reader --max-session-duration 12h --endpoint-url http://localhost:9000",
			"signet admin role update reader --max-session-duration 3600 --json",
		},
		check: func(args []string) error {
			if err := checkIAMName("role", args[0]); err != nil {
				return err
			}
			if !maxSession.set {
				return errors.New("say what to change: --max-session-duration DURATION (1h to 12h)")
			}
			var err error
			maxSessionD, err = parseMaxSession(maxSession.v)
			return err
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			r, err := c.iam.SetMaxSessionDuration(ctx, args[0], maxSessionD)
			if err != nil {
				return err
			}
			return o.emit(r, func(w io.Writer) { writeRoleUpdate(w, r) })
		},
	}
}

func writeRoleUpdate(w io.Writer, r *adminclient.Role) {
	fmt.Fprintf(w, "updated role %s: max session %s (%d s)\n", r.RoleName, duration.Format(r.MaxSessionDuration()), r.MaxSessionDurationSeconds)
	fmt.Fprintf(w, "sessions already issued keep their expiry; AssumeRole now gives up to %d s (duration_seconds = %d in a profile)\n",
		r.MaxSessionDurationSeconds, r.MaxSessionDurationSeconds)
}
