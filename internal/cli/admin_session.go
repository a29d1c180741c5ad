package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"signet/internal/adminclient"
	"signet/internal/duration"
)

func sessionListCmd() *adminCmd {
	return &adminCmd{
		group: "session", verb: "list", action: "signet:ListSessions", listFlags: true,
		summary: "list live sessions (--all: expired and terminated too)",
		about: `Lists the temporary credentials STS issued that are still live, oldest
first. With --all it also lists expired and terminated ones, which the server
keeps for seven days after expiry so a failing URL can still be explained.
Status and time remaining are judged by the server's lifetime clock.`,
		examples: []string{
			"signet admin session list --endpoint-url http://localhost:9000",
			"signet admin session list --all --json",
		},
		run: func(ctx context.Context, c *adminclient.Client, _ []string, o *adminOut) error {
			ss, err := c.ListSessions(ctx, o.all)
			if err != nil {
				return err
			}
			return o.emit(adminclient.SessionList{Sessions: ss}, func(w io.Writer) { writeSessionTable(w, ss, o.all) })
		},
	}
}

func sessionShowCmd() *adminCmd {
	return &adminCmd{
		group: "session", verb: "show", args: "<access-key-id>", nargs: 1, action: "signet:GetSession",
		summary: "print one session",
		about: `Prints one session by the access key ID of its temporary credentials
(ASIA…), whatever its status. Secrets and session tokens are never shown.`,
		examples: []string{
			"signet admin session show ASIAIOSFODNN7EXAMPLE --endpoint-url http://localhost:9000",
			"signet admin session show ASIAIOSFODNN7EXAMPLE --json",
		},
		check: checkAccessKeyID,
		run: func(ctx context.Context, c *adminclient.Client, args []string, o *adminOut) error {
			s, err := c.Session(ctx, args[0])
			if err != nil {
				return err
			}
			return o.emit(s, func(w io.Writer) { writeSession(w, s) })
		},
	}
}

func sessionTerminateCmd() *adminCmd {
	return &adminCmd{
		group: "session", verb: "terminate", args: "<access-key-id>", nargs: 1, action: "signet:TerminateSession",
		summary: "end a session now",
		about: `Ends a session now, as deleting the environment that held it does on AWS:
every request signed with its credentials, including presigned URLs already
handed out, then fails with 400 ExpiredToken. Terminating twice keeps the
first time.`,
		examples: []string{
			"signet admin session terminate ASIAIOSFODNN7EXAMPLE --endpoint-url http://localhost:9000",
			"signet admin session terminate ASIAIOSFODNN7EXAMPLE --json",
		},
		check: checkAccessKeyID,
		run: func(ctx context.Context, c *adminclient.Client, args []string, o *adminOut) error {
			s, err := c.Terminate(ctx, args[0])
			if err != nil {
				return err
			}
			return o.emit(s, func(w io.Writer) {
				at := ""
				if s.TerminatedAt != nil {
					at = " at " + stamp(*s.TerminatedAt)
				}
				fmt.Fprintf(w, "ended session %s (%s)%s: URLs it signed now fail with ExpiredToken\n", s.AccessKeyID, principal(s), at)
			})
		},
	}
}

func checkAccessKeyID(args []string) error {
	err := adminclient.ValidateAccessKeyID(args[0])
	if err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "adminclient: "))
	}
	return nil
}

// principal names who a session acts as: role/session for an assumed role,
// else the user, else the last part of the ARN.
func principal(s *adminclient.Session) string {
	switch {
	case s.RoleName != "":
		return s.RoleName + "/" + s.SessionName
	case s.UserName != "":
		return s.UserName
	}
	if i := strings.LastIndexByte(s.ARN, ':'); i >= 0 && i+1 < len(s.ARN) {
		return s.ARN[i+1:]
	}
	return "-"
}

func remaining(s *adminclient.Session) string {
	if s.Status != adminclient.StatusActive {
		return "-"
	}
	return duration.Human(s.Remaining())
}

func writeSessionTable(w io.Writer, ss []adminclient.Session, all bool) {
	if len(ss) == 0 {
		if all {
			fmt.Fprintln(w, "no sessions on record")
		} else {
			fmt.Fprintln(w, "no live sessions (--all also lists expired and terminated ones)")
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCESS KEY ID\tKIND\tPRINCIPAL\tISSUED\tEXPIRES\tREMAINING\tSTATUS")
	for i := range ss {
		s := &ss[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.AccessKeyID, s.Kind, principal(s), stamp(s.Issued), stamp(s.Expires), remaining(s), s.Status)
	}
	tw.Flush()
}

func writeSession(w io.Writer, s *adminclient.Session) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	line("access key id", s.AccessKeyID)
	line("kind", s.Kind)
	line("arn", s.ARN)
	line("user id", s.UserID)
	line("user name", s.UserName)
	line("role name", s.RoleName)
	line("role arn", s.RoleARN)
	line("session name", s.SessionName)
	line("source access key id", s.SourceAccessKeyID)
	line("chained", map[bool]string{false: "no", true: "yes"}[s.Chained])
	line("session policy", s.SessionPolicy)
	for _, arn := range s.SessionPolicyARNs {
		line("session policy arn", arn)
	}
	line("issued", stamp(s.Issued))
	line("expires", stamp(s.Expires))
	if s.TerminatedAt != nil {
		line("terminated at", stamp(*s.TerminatedAt))
	}
	line("status", s.Status)
	line("remaining", remaining(s))
	tw.Flush()
}
