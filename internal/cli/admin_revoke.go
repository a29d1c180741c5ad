package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"signet/internal/adminclient"
	"signet/internal/duration"
)

func revokeRoleCmd() *adminCmd {
	return revokeCmd(adminclient.OwnerRole,
		"end a role's sessions issued before now",
		`Revokes the role's active sessions as AWS's console does ("Revoke active
sessions"): it puts the inline policy AWSRevokeOlderSessions on the role,
denying every action to credentials issued before now. Requests signed with
those sessions, presigned URLs already handed out included, then fail with
403 AccessDenied; sessions issued after it keep working, and running the
command again moves the cutoff to the new now. "Now" is the server's
lifetime clock (the one that stamps sessions), read from the admin API, so
it holds under --dev-clock too. Remove the policy with 'signet admin role
delete-policy ROLE AWSRevokeOlderSessions' when every older session has
expired anyway.`)
}

func revokeUserCmd() *adminCmd {
	return revokeCmd(adminclient.OwnerUser,
		"end a user's temporary sessions issued before now",
		`Revokes an IAM user's temporary credentials the way AWS's console revokes a
role's: it puts the inline policy AWSRevokeOlderSessions on the user, denying
every action to credentials issued before now. That ends the user's
GetSessionToken and GetFederationToken sessions (403 AccessDenied, presigned
URLs included); sessions issued after it keep working. The user's access
keys are not touched (deactivate or delete them with 'signet admin key'),
and sessions of roles the user assumed belong to the role: revoke those with
'signet admin revoke role'. "Now" is the server's lifetime clock, read from
the admin API, so it holds under --dev-clock too.`)
}

func revokeCmd(kind, summary, about string) *adminCmd {
	put := "iam:PutRolePolicy"
	get := "iam:GetRole"
	if kind == adminclient.OwnerUser {
		put, get = "iam:PutUserPolicy", "iam:GetUser"
	}
	return &adminCmd{
		group: "revoke", verb: kind, args: "<name>", nargs: 1,
		action:  "signet:GetClock, " + get + " and " + put,
		summary: summary,
		about:   about,
		examples: []string{
			"signet admin revoke " + kind + " " + map[string]string{adminclient.OwnerRole: "reader", adminclient.OwnerUser: "alice"}[kind] + " --endpoint-url http://localhost:9000",
			"signet admin revoke " + kind + " " + map[string]string{adminclient.OwnerRole: "reader", adminclient.OwnerUser: "alice"}[kind] + " --json",
		},
		check: func(args []string) error { return checkIAMName(kind, args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			// The cutoff must be on the clock that stamped the sessions:
			// the server's, which under --dev-clock is not this machine's.
			clk, err := c.admin.Clock(ctx)
			if err != nil {
				return err
			}
			rev, err := c.iam.RevokeOlderSessions(ctx, kind, args[0], adminclient.RevokeCutoff(clk.Now))
			if err != nil {
				return err
			}
			return o.emit(struct {
				*adminclient.Revocation
				ServerNow time.Time `json:"server_now"`
				DevClock  bool      `json:"dev_clock"`
			}{rev, clk.Now, clk.DevClock}, func(w io.Writer) { writeRevocation(w, rev, clk) })
		},
	}
}

func writeRevocation(w io.Writer, r *adminclient.Revocation, clk *adminclient.Clock) {
	what := "sessions"
	if r.Kind == adminclient.OwnerUser {
		what = "GetSessionToken and federation sessions"
	}
	fmt.Fprintf(w, "revoked the %s of %s %s issued before %s (server time)\n", what, r.Kind, r.Name, revokeStamp(r.IssuedBefore))
	fmt.Fprintf(w, "inline policy %s on %s now denies every request they sign: their presigned URLs fail with 403 AccessDenied.\n", r.PolicyName, r.ARN)
	fmt.Fprintln(w, "Sessions issued after that time keep working; run this again to move the cutoff.")
	if r.Kind == adminclient.OwnerUser {
		fmt.Fprintf(w, "The access keys of %s are untouched ('signet admin key deactivate'), and so are sessions of roles it assumed ('signet admin revoke role').\n", r.Name)
	}
	if clk.DevClock && clk.OffsetDuration() != 0 {
		fmt.Fprintf(w, "note: the server's dev clock is %s ahead of its real time; the cutoff is on the dev clock, as session times are.\n", duration.Human(clk.OffsetDuration()))
	}
}

// revokeStamp prints a revocation cutoff to the millisecond, as the
// policy holds it: whole seconds would hide that it is just after now.
func revokeStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
