package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"signet/internal/adminclient"
	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/presign"
	"signet/internal/sigprint"
)

// urlUsesOpts are `url uses`'s own flags.
type urlUsesOpts struct {
	post  inspectPostOpts
	limit intFlag
}

func urlUsesCmd() *adminCmd {
	o := &urlUsesOpts{limit: adminwire.URLUsesDefaultLimit}
	return &adminCmd{
		group: "url", verb: "uses", args: "<URL>", nargs: -1,
		usage:   "<URL> | --post-json FILE | <form-URL> --field NAME=VALUE…",
		action:  "signet:ListURLUses",
		summary: "list the recent uses of one presigned URL or POST form",
		about: `Lists the recent requests that carried this presigned URL's signature (or
this browser POST form's), most recent first, served or refused: when, from
which client address, the method, the status, the bytes sent and the verdict
with its error code. The URL is known by its signature's fingerprint, so the
same link re-encoded or with its query re-ordered is the same link; the
signature itself never leaves this machine.

Each server node keeps the uses it answered, in its data directory (at most
4 files of 16 MiB, about 200,000 uses across all links, the oldest dropped
first, kept across restarts); behind a load balancer, ask each node. A use
is listed within a fraction of a second of its answer. Times are the node's
wall clock, as in its access log.`,
		examples: []string{
			`signet admin url uses "$URL" --endpoint-url http://localhost:9000`,
			`signet admin url uses "$URL" --limit 10 --json`,
			"signet admin url uses --post-json form.json",
		},
		flags: o.flags(),
		check: o.check,
		run: func(ctx context.Context, c *adminclient.Client, args []string, out *adminOut) error {
			p, err := o.print(out, args)
			if err != nil {
				return err
			}
			uses, err := c.URLUses(ctx, p, int(o.limit))
			if err != nil {
				return err
			}
			return out.emit(uses, func(w io.Writer) { writeURLUses(w, uses, c.Endpoint.Redacted()) })
		},
	}
}

// flags are inspect's ways of naming a POST form, then --limit.
func (o *urlUsesOpts) flags() []flagSpec {
	post := inspectPostFlags(&o.post)
	post[0].help = "a browser POST form's uses: the JSON `signet presign --post\n--json` printed (- reads stdin); no URL argument"
	post[1].help = "a POST form's uses, from its fields copied from a page\n(repeatable), with the form's action URL as argument"
	return append(post, flagSpec{name: "limit", arg: "N", value: &o.limit,
		help: "list at most N uses, the newest (1 to " + strconv.Itoa(adminwire.URLUsesMaxLimit) + ")", def: strconv.Itoa(adminwire.URLUsesDefaultLimit)})
}

// check judges the arguments before anything is read or sent: a URL, a
// form's JSON, or a form's URL with its fields.
func (o *urlUsesOpts) check(pos []string) error {
	if o.limit < 1 || o.limit > adminwire.URLUsesMaxLimit {
		return fmt.Errorf("--limit %d: give 1 to %d", o.limit, adminwire.URLUsesMaxLimit)
	}
	switch {
	case o.post.jsonFile != "":
		if len(pos) > 0 || len(o.post.fields) > 0 {
			return errors.New("--post-json holds the URL and the fields: give no URL argument or --field with it")
		}
		return nil
	case len(pos) != 1:
		return fmt.Errorf("want <URL>, got %d argument(s)", len(pos))
	case len(o.post.fields) > 0:
		return nil
	}
	if _, ok := authn.PrintOfURL(pos[0]); !ok {
		return errors.New("not a presigned URL: it has no X-Amz-Signature (SigV4) or Signature (SigV2) parameter; for a POST form give --post-json or --field")
	}
	return nil
}

// print is the fingerprint of the link the arguments give, computed as the
// server computes it.
func (o *urlUsesOpts) print(out *adminOut, pos []string) (sigprint.Print, error) {
	if !o.post.given() {
		p, _ := authn.PrintOfURL(pos[0]) // check has seen it is presigned
		return p, nil
	}
	_, fields, err := postForm(Env{Stdin: out.stdin}, &o.post, pos)
	if err != nil {
		return sigprint.Print{}, err
	}
	p, ok := authn.PrintOfForm(formLookup(fields))
	if !ok {
		return p, errors.New("the form has no x-amz-signature (SigV4) or signature (SigV2) field: it is not signed")
	}
	return p, nil
}

// formLookup reads a form's fields by name, case-insensitively, as S3 does.
func formLookup(fields presign.Fields) authn.PostFields {
	return func(name string) (string, bool) {
		for _, f := range fields {
			if strings.EqualFold(f.Name, name) {
				return f.Value, true
			}
		}
		return "", false
	}
}

func writeURLUses(w io.Writer, u *adminwire.URLUses, node string) {
	if len(u.Uses) == 0 {
		fmt.Fprintf(w, "no uses of link %s recorded by %s\n", u.Fingerprint, node)
		return
	}
	fmt.Fprintf(w, "uses of link %s recorded by %s, most recent first:\n", u.Fingerprint, node)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tCLIENT\tMETHOD\tSTATUS\tBYTES\tOUTCOME")
	for _, x := range u.Uses {
		outcome := x.Outcome
		if outcome == "" {
			outcome = "-"
		}
		if x.ErrorCode != "" {
			outcome += " (" + x.ErrorCode + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", stamp(x.At), dash(x.Client), x.Method, x.Status, x.Bytes, outcome)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
