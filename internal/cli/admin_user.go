package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"signet/internal/adminclient"
)

func userCreateCmd() *adminCmd {
	return &adminCmd{
		group: "user", verb: "create", args: "<name>", nargs: 1, action: "iam:CreateUser",
		summary: "create an IAM user",
		about: `Creates an IAM user with no access keys and no permissions. Give it a key
with 'signet admin key create', and permissions by attaching a policy
('signet admin user attach') or by letting it assume a role whose trust
policy names it ('signet admin role create --trust').`,
		examples: []string{
			"signet admin user create alice --endpoint-url http://localhost:9000",
			"signet admin user create ci-uploader --json",
		},
		check: func(args []string) error { return checkIAMName("user", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			u, err := c.iam.CreateUser(ctx, args[0])
			if err != nil {
				return err
			}
			return o.emit(u, func(w io.Writer) {
				fmt.Fprintf(w, "created user %s (%s)\n", u.UserName, u.ARN)
				fmt.Fprintf(w, "next: 'signet admin key create %s' gives it an access key; 'signet admin user attach %s read-only' or a role trusting it gives it permissions\n", u.UserName, u.UserName)
			})
		},
	}
}

func userListCmd() *adminCmd {
	return &adminCmd{
		group: "user", verb: "list", action: "iam:ListUsers",
		summary: "list IAM users",
		about:   `Lists every IAM user of the server's account, by name.`,
		examples: []string{
			"signet admin user list --endpoint-url http://localhost:9000",
			"signet admin user list --json",
		},
		runIAM: func(ctx context.Context, c *adminAPIs, _ []string, o *adminOut) error {
			us, err := c.iam.ListUsers(ctx)
			if err != nil {
				return err
			}
			return o.emit(struct {
				Users []adminclient.User `json:"users"`
			}{us}, func(w io.Writer) {
				if len(us) == 0 {
					fmt.Fprintln(w, "no users yet: create one with 'signet admin user create NAME'")
					return
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "USER\tUSER ID\tCREATED\tARN")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.UserName, u.UserID, stamp(u.Created), u.ARN)
				}
				tw.Flush()
			})
		},
	}
}

func userShowCmd() *adminCmd {
	return &adminCmd{
		group: "user", verb: "show", args: "<name>", nargs: 1,
		action:  "iam:GetUser, iam:ListAccessKeys, iam:ListUserPolicies, iam:GetUserPolicy and iam:ListAttachedUserPolicies",
		summary: "print a user, its access keys and policies",
		about: `Prints an IAM user, its access keys (IDs and status; a secret is shown only
when its key is created) and its policies: inline ones with their documents
under --json, and attached managed ones. An AWSRevokeOlderSessions policy is
shown with the time before which its sessions are denied.`,
		examples: []string{
			"signet admin user show alice --endpoint-url http://localhost:9000",
			"signet admin user show alice --json",
		},
		check: func(args []string) error { return checkIAMName("user", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			d, err := c.iam.UserDetails(ctx, args[0])
			if err != nil {
				return err
			}
			return o.emit(d, func(w io.Writer) { writeUserDetails(w, d) })
		},
	}
}

func userDeleteCmd() *adminCmd {
	var force switchFlag
	return &adminCmd{
		group: "user", verb: "delete", args: "<name>", nargs: 1,
		action:  "iam:DeleteUser (with --force also iam:DeleteLoginProfile, iam:ListAccessKeys, iam:DeleteAccessKey, iam:ListUserPolicies, iam:DeleteUserPolicy, iam:ListAttachedUserPolicies and iam:DetachUserPolicy)",
		summary: "delete a user (--force: its keys and policies first)",
		about: `Deletes an IAM user. As on AWS, a user that still has a console password,
access keys or policies is refused with DeleteConflict; --force deletes its
console password (login profile), access keys and inline policies and
detaches its managed policies first. Every URL signed
with the user's keys, and every session the user obtained, then stops
working.`,
		flags: []adminFlag{
			{name: "force", help: "delete the user's console password, access keys and policies first", value: &force},
		},
		examples: []string{
			"signet admin user delete alice --endpoint-url http://localhost:9000",
			"signet admin user delete alice --force --json",
		},
		check: func(args []string) error { return checkIAMName("user", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			d, err := c.iam.DeleteUser(ctx, args[0], bool(force))
			if err != nil {
				return err
			}
			return o.emit(d, func(w io.Writer) { writeDeletion(w, d) })
		},
	}
}

func userAttachCmd() *adminCmd {
	var arn string
	return &adminCmd{
		group: "user", verb: "attach", args: "<name> <policy>", nargs: 2, action: "iam:AttachUserPolicy",
		summary: "attach a managed policy to a user",
		about: `Attaches a managed policy to an IAM user: the permissions apply at once,
to its keys and its sessions. <policy> is a policy ARN or one of these
shortcuts:
` + policyShortcutLines(),
		examples: []string{
			"signet admin user attach alice read-only --endpoint-url http://localhost:9000",
			"signet admin user attach alice arn:aws:iam::aws:policy/IAMFullAccess",
		},
		check: func(args []string) error {
			if err := checkIAMName("user", args[0]); err != nil {
				return err
			}
			var err error
			arn, err = policyARN(args[1])
			return err
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			a, err := c.iam.Attach(ctx, adminclient.OwnerUser, args[0], arn)
			if err != nil {
				return err
			}
			return o.emit(attachment{Kind: adminclient.OwnerUser, Name: args[0], AttachedPolicy: *a}, func(w io.Writer) {
				fmt.Fprintf(w, "attached %s (%s) to user %s\n", a.PolicyName, a.PolicyARN, args[0])
			})
		},
	}
}

// attachment is what attach commands print under --json.
type attachment struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	adminclient.AttachedPolicy
}

// checkIAMName checks the shape IAM gives user and role names (1 to 64 of
// letters, digits and +=,.@_-), so a typo is a usage error found before
// any call.
func checkIAMName(kind, name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("a %s name has 1 to 64 characters, not %d", kind, len(name))
	}
	for _, r := range name {
		if !iamNameRune(r) {
			return fmt.Errorf("%q is not a %s name: use letters, digits and +=,.@_- only", name, kind)
		}
	}
	return nil
}

// iamNameRune reports whether IAM allows r in the name of a user, role or
// policy.
func iamNameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("+=,.@_-", r)
}

func writeUserDetails(w io.Writer, d *adminclient.UserDetails) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "user:\t%s\n", d.User.UserName)
	fmt.Fprintf(tw, "arn:\t%s\n", d.User.ARN)
	fmt.Fprintf(tw, "user id:\t%s\n", d.User.UserID)
	fmt.Fprintf(tw, "created:\t%s\n", stamp(d.User.Created))
	tw.Flush()
	fmt.Fprintln(w, "access keys:")
	if len(d.AccessKeys) == 0 {
		fmt.Fprintf(w, "  none ('signet admin key create %s' makes one)\n", d.User.UserName)
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range d.AccessKeys {
		fmt.Fprintf(tw, "  %s\t%s\tcreated %s\n", k.AccessKeyID, k.Status, stamp(k.Created))
	}
	tw.Flush()
	writePolicies(w, d.AttachedPolicies, d.InlinePolicies)
}

// writePolicies prints the attached and inline policies of a user or role.
func writePolicies(w io.Writer, attached []adminclient.AttachedPolicy, inline []adminclient.InlinePolicy) {
	fmt.Fprintln(w, "attached policies:")
	if len(attached) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, a := range attached {
		fmt.Fprintf(tw, "  %s\t%s\n", a.PolicyName, a.PolicyARN)
	}
	tw.Flush()
	fmt.Fprintln(w, "inline policies:")
	if len(inline) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range inline {
		note := "(document: --json)"
		if t, ok := adminclient.RevokedBefore(p.Document); ok {
			note = "denies sessions issued before " + revokeStamp(t)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", p.PolicyName, note)
	}
	tw.Flush()
}

func writeDeletion(w io.Writer, d *adminclient.Deletion) {
	if d.DeletedLoginProfile {
		fmt.Fprintln(w, "deleted login profile (console password)")
	}
	for _, k := range d.DeletedAccessKeys {
		fmt.Fprintf(w, "deleted access key %s\n", k)
	}
	for _, p := range d.DeletedInlinePolicies {
		fmt.Fprintf(w, "deleted inline policy %s\n", p)
	}
	for _, p := range d.DetachedPolicies {
		fmt.Fprintf(w, "detached %s\n", p)
	}
	fmt.Fprintf(w, "deleted %s %s\n", d.Kind, d.Name)
}
