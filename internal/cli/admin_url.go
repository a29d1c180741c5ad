package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"signet/internal/adminclient"
	"signet/internal/adminwire"
)

func urlRevokeCmd() *adminCmd {
	var method, reason, signedBy, before textFlag
	var post inspectPostOpts
	flags := []adminFlag{
		{name: "reason", arg: "TEXT", help: "why, kept with the revocation and shown when the URL is refused", value: &reason},
		{name: "method", arg: "METHOD", help: "the method the URL is for, when it is not found by trying\nGET, PUT, HEAD, DELETE and POST", value: &method},
		{name: "signed-by", arg: "SIGNER", help: "revoke every URL this principal signed before --before instead of\none URL: an IAM user or role ARN, the root's ARN, a role session\nARN, an access key ID, or user:NAME, role:NAME, session:ASIA…,\nkey:AKIA…", value: &signedBy},
		{name: "before", arg: "TIME", help: "with --signed-by: URLs signed before this RFC 3339 time (default:\nnow, on the server's clock)", value: &before},
	}
	postFlags := inspectPostFlags(&post)
	postFlags[0].help = "revoke a browser POST form: the JSON `signet presign --post\n--json` printed (- reads stdin); no URL argument"
	postFlags[1].help = "revoke a POST form given by its fields, copied from a page\n(repeatable), with the form's action URL as argument"
	flags = append(flags, postFlags...)
	return &adminCmd{
		group: "url", verb: "revoke", args: "<URL>", nargs: 1, optionalArg: true,
		usage:   "<URL> | --signed-by SIGNER [--before TIME] | --post-json FILE",
		action:  "signet:RevokeURL (signet:RevokeURLsBySigner with --signed-by)",
		summary: "refuse one presigned URL or form from now on, or every one a signer signed before a time",
		about: `Refuses one presigned URL (or POST form) from now on, however long its window
still runs, without touching the keys or sessions that signed it: other URLs
of the same signer keep working. The URL is known by its signature, so the
same URL with its query re-ordered or re-encoded is refused too, and so is
its SigV2 twin (the URL the same key signs with SigV2 for the same request
and deadline). The refusal is 403 AccessDenied "This presigned URL has been
revoked." (AWS cannot revoke one URL, so it has no code of its own for it),
and 'signet inspect' against the server says url_revoked, who revoked it,
when and why. The revocation is kept until the URL's own deadline, then
dropped: the URL is dead anyway.

With --signed-by, every presigned URL and form the principal signed before
--before (default now) is refused, for 7 days after that time (the longest
a SigV4 URL lives); its header-signed calls and the URLs it signs later
keep working. A SigV2 URL says nothing of when it was signed, so one of the
principal's is refused while the rule lasts unless its session was issued
after --before.`,
		examples: []string{
			`signet admin url revoke 'http://localhost:9000/photos/cat.jpg?X-Amz-Algorithm=…' --reason "posted in a public ticket"`,
			"signet admin url revoke --post-json form.json",
			"signet admin url revoke --signed-by arn:aws:iam::123456789012:user/alice --before 2026-12-07T10:00:00Z",
			"signet admin url revoke --signed-by role:reader --json",
		},
		flags: flags,
		// check judges the arguments with the flags, before anything is
		// read or sent: a usage error exits 2.
		check: func(args []string) error {
			switch {
			case signedBy != "" && (len(args) > 0 || post.given() || method != ""):
				return errors.New("--signed-by revokes every URL of a signer: give no URL, --method or form with it")
			case signedBy == "" && before != "":
				return errors.New("--before goes with --signed-by")
			case signedBy == "" && !post.given() && len(args) == 0:
				return errors.New("give the presigned URL to revoke, --post-json or --field for a form, or --signed-by")
			case post.given() && method != "":
				return errors.New("a POST form is posted: give no --method with it")
			case method != "" && !validMethod(strings.ToUpper(string(method))):
				return fmt.Errorf("--method %q: give GET, PUT, HEAD, DELETE or POST", method)
			}
			if before != "" && before != "now" {
				if _, err := time.Parse(time.RFC3339, string(before)); err != nil {
					return fmt.Errorf("--before %q: give an RFC 3339 time such as 2026-12-07T10:00:00Z, or now", before)
				}
			}
			return nil
		},
		run: func(ctx context.Context, c *adminclient.Client, args []string, o *adminOut) error {
			if signedBy != "" {
				req := adminwire.RevokeSignerRequest{SignedBy: string(signedBy), Reason: string(reason)}
				if before != "" && before != "now" {
					t, _ := time.Parse(time.RFC3339, string(before)) // check parsed it
					req.Before = &t
				}
				out, err := c.RevokeSigner(ctx, req)
				if err != nil {
					return err
				}
				return o.emit(out, func(w io.Writer) { writeRevoked(w, out) })
			}
			req := adminwire.RevokeURLRequest{Reason: string(reason)}
			if post.given() {
				u, fields, err := postForm(Env{Stdin: o.stdin}, &post, args)
				if err != nil {
					return err
				}
				req.URL = u
				for _, f := range fields {
					req.Form = append(req.Form, adminwire.FormField{Name: f.Name, Value: f.Value})
				}
			} else {
				req.URL, req.Method = args[0], strings.ToUpper(string(method))
			}
			out, err := c.RevokeURL(ctx, req)
			if err != nil {
				return err
			}
			return o.emit(out, func(w io.Writer) { writeRevoked(w, out) })
		},
	}
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete, http.MethodPost:
		return true
	}
	return false
}

func urlRevocationsCmd() *adminCmd {
	return &adminCmd{
		group: "url", verb: "revocations", action: "signet:ListURLRevocations",
		summary: "list the revoked URLs and signers whose deadline has not passed",
		about: `Lists the denylist: each revoked URL (by its fingerprint, with what it
addressed and who signed it) and each rule on a signer, with who revoked it,
when, why, and until when the entry is kept (the URL's own deadline, after
which it is dropped). The server holds at most 100,000 entries.`,
		examples: []string{
			"signet admin url revocations --endpoint-url http://localhost:9000",
			"signet admin url revocations --json",
		},
		run: func(ctx context.Context, c *adminclient.Client, _ []string, o *adminOut) error {
			out, err := c.URLRevocations(ctx)
			if err != nil {
				return err
			}
			return o.emit(out, func(w io.Writer) { writeRevocationTable(w, out) })
		},
	}
}

// writeRevoked says what a revoke call stored.
func writeRevoked(w io.Writer, out *adminwire.URLRevocations) {
	for _, e := range out.Revocations {
		switch {
		case e.SignedBy != "":
			fmt.Fprintf(w, "revoked every URL %s signed before %s (kept until %s)\n", e.SignedBy, stamp(*e.Before), stamp(e.Until))
		case e.TwinOf != "":
			fmt.Fprintf(w, "  and its SigV2 twin %s\n", e.Fingerprint)
		default:
			fmt.Fprintf(w, "revoked URL %s: %s %s signed by %s, until %s when it would have expired anyway\n",
				e.Fingerprint, orDash(e.Method), address(e), orDash(e.Principal), stamp(e.Until))
		}
	}
}

func writeRevocationTable(w io.Writer, out *adminwire.URLRevocations) {
	if len(out.Revocations) == 0 {
		fmt.Fprintln(w, "no URL or signer is revoked")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REVOKED\tWHAT\tUNTIL\tBY\tREASON")
	for _, e := range out.Revocations {
		what := "url " + e.Fingerprint + " " + orDash(e.Method) + " " + address(e)
		switch {
		case e.SignedBy != "":
			what = "signer " + e.SignedBy + " before " + stamp(*e.Before)
		case e.TwinOf != "":
			what = "url " + e.Fingerprint + " (SigV2 twin of " + e.TwinOf + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", stamp(e.RevokedAt), what, stamp(e.Until), e.RevokedBy, orDash(e.Reason))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d of at most %d entries\n", len(out.Revocations), out.Limit)
}

func address(e adminwire.URLRevocation) string {
	if e.Bucket == "" {
		return "/"
	}
	return "/" + e.Bucket + "/" + e.Key
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
