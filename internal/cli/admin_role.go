package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"signet/internal/adminclient"
	"signet/internal/duration"
)

// Bounds of a role's MaxSessionDuration, as IAM enforces them.
const (
	minMaxSession = time.Hour
	maxMaxSession = 12 * time.Hour
)

func roleCreateCmd() *adminCmd {
	var trust, policies listFlag
	var trustFile, maxSession stringFlag
	var trustDoc string
	var maxSessionD time.Duration
	var policyARNs []string
	return &adminCmd{
		group: "role", verb: "create", args: "<name>", nargs: 1,
		usage:   "<name> (--trust <principal>... | --trust-policy <file>) [--max-session-duration <d>] [--policy <policy>...]",
		action:  "iam:CreateRole (with --policy also iam:GetPolicy and iam:AttachRolePolicy; a --trust user name, iam:GetUser)",
		summary: "create a role others may assume",
		about: `Creates an IAM role: who may assume it (its trust policy), for how long at
most, and with which managed policies.

--trust builds the trust policy: each <principal> is an IAM user name (looked
up, so it must exist), an ARN (user, role or arn:aws:iam::ACCOUNT:root), or a
12-digit account ID (the account's root: then each caller's own identity
policy must also allow sts:AssumeRole). --trust-policy reads a whole trust
policy from a JSON file instead. The role starts with the policies given
with --policy, each an ARN or one of these shortcuts:
` + policyShortcutLines(),
		flags: []adminFlag{
			{name: "trust", arg: "PRINCIPAL", help: "who may assume the role; repeat for several", value: &trust},
			{name: "trust-policy", arg: "FILE", help: "the trust policy document, instead of --trust", value: &trustFile, file: true},
			{name: "max-session-duration", arg: "DURATION", help: "longest AssumeRole session, 1h to 12h (default 1h), e.g. 12h or 43200", value: &maxSession},
			{name: "policy", arg: "POLICY", help: "managed policy to attach, ARN or shortcut; repeat for several", value: &policies},
		},
		examples: []string{
			"signet admin role create reader --trust alice --policy read-only --endpoint-url http://localhost:9000",
			"signet admin role create deployer --trust alice --trust arn:aws:iam::123456789012:user/ci --max-session-duration 12h --policy full-access",
			"signet admin role create auditor --trust-policy trust.json --policy arn:aws:iam::aws:policy/IAMReadOnlyAccess --json",
		},
		check: func(args []string) error {
			if err := checkIAMName("role", args[0]); err != nil {
				return err
			}
			switch {
			case len(trust) == 0 && !trustFile.set:
				return errors.New("say who may assume the role: --trust USER_NAME_OR_ARN (repeatable) or --trust-policy FILE")
			case len(trust) > 0 && trustFile.set:
				return errors.New("give --trust or --trust-policy, not both")
			}
			for _, p := range trust {
				if err := checkPrincipal(p); err != nil {
					return err
				}
			}
			if trustFile.set {
				b, err := os.ReadFile(trustFile.v)
				if err != nil {
					return fmt.Errorf("--trust-policy: %v", err)
				}
				if !json.Valid(b) {
					return fmt.Errorf("--trust-policy: %s is not JSON: it should hold a policy document such as %s", trustFile.v, adminclient.TrustPolicy([]string{"arn:aws:iam::123456789012:user/alice"}))
				}
				trustDoc = string(b)
			}
			if maxSession.set {
				d, err := parseMaxSession(maxSession.v)
				if err != nil {
					return err
				}
				maxSessionD = d
			}
			for _, p := range policies {
				arn, err := policyARN(p)
				if err != nil {
					return err
				}
				policyARNs = append(policyARNs, arn)
			}
			return nil
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			if trustDoc == "" {
				arns, err := resolvePrincipals(ctx, c.iam, trust)
				if err != nil {
					return err
				}
				trustDoc = adminclient.TrustPolicy(arns)
			}
			d, err := c.iam.CreateRole(ctx, adminclient.CreateRoleInput{
				Name: args[0], TrustPolicy: trustDoc, MaxSessionDuration: maxSessionD, PolicyARNs: policyARNs,
			})
			if err != nil {
				return err
			}
			return o.emit(d, func(w io.Writer) {
				fmt.Fprintf(w, "created role %s\n", d.Role.RoleName)
				writeRoleDetails(w, d)
				writeRoleProfile(w, d)
			})
		},
	}
}

func roleListCmd() *adminCmd {
	return &adminCmd{
		group: "role", verb: "list", action: "iam:ListRoles",
		summary: "list roles",
		about:   `Lists every IAM role of the server's account, by name, with its longest session.`,
		examples: []string{
			"signet admin role list --endpoint-url http://localhost:9000",
			"signet admin role list --json",
		},
		runIAM: func(ctx context.Context, c *adminAPIs, _ []string, o *adminOut) error {
			rs, err := c.iam.ListRoles(ctx)
			if err != nil {
				return err
			}
			return o.emit(struct {
				Roles []adminclient.Role `json:"roles"`
			}{rs}, func(w io.Writer) {
				if len(rs) == 0 {
					fmt.Fprintln(w, "no roles yet: create one with 'signet admin role create NAME --trust USER'")
					return
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ROLE\tROLE ID\tMAX SESSION\tCREATED\tARN")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.RoleName, r.RoleID, duration.Human(r.MaxSessionDuration()), stamp(r.Created), r.ARN)
				}
				tw.Flush()
			})
		},
	}
}

func roleShowCmd() *adminCmd {
	return &adminCmd{
		group: "role", verb: "show", args: "<name>", nargs: 1,
		action:  "iam:GetRole, iam:ListRolePolicies, iam:GetRolePolicy and iam:ListAttachedRolePolicies",
		summary: "print a role, who may assume it and its policies",
		about: `Prints an IAM role: the principals its trust policy lets assume it, its
longest session (MaxSessionDuration), and its attached and inline policies.
An AWSRevokeOlderSessions policy is shown with the time before which the
role's sessions are denied. --json adds the trust and inline policy
documents.`,
		examples: []string{
			"signet admin role show reader --endpoint-url http://localhost:9000",
			"signet admin role show reader --json",
		},
		check: func(args []string) error { return checkIAMName("role", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			d, err := c.iam.RoleDetails(ctx, args[0])
			if err != nil {
				return err
			}
			return o.emit(d, func(w io.Writer) { writeRoleDetails(w, d) })
		},
	}
}

func roleDeleteCmd() *adminCmd {
	var force switchFlag
	return &adminCmd{
		group: "role", verb: "delete", args: "<name>", nargs: 1,
		action:  "iam:DeleteRole (with --force also iam:ListRolePolicies, iam:DeleteRolePolicy, iam:ListAttachedRolePolicies and iam:DetachRolePolicy)",
		summary: "delete a role (--force: its policies first)",
		about: `Deletes an IAM role. As on AWS, a role that still has policies is refused
with DeleteConflict; --force deletes its inline policies and detaches its
managed policies first. Requests signed with the role's sessions are then
denied.`,
		flags: []adminFlag{
			{name: "force", help: "delete and detach the role's policies first", value: &force},
		},
		examples: []string{
			"signet admin role delete reader --endpoint-url http://localhost:9000",
			"signet admin role delete reader --force --json",
		},
		check: func(args []string) error { return checkIAMName("role", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			d, err := c.iam.DeleteRole(ctx, args[0], bool(force))
			if err != nil {
				return err
			}
			return o.emit(d, func(w io.Writer) { writeDeletion(w, d) })
		},
	}
}

func roleAttachCmd() *adminCmd {
	var arn string
	return &adminCmd{
		group: "role", verb: "attach", args: "<name> <policy>", nargs: 2, action: "iam:AttachRolePolicy",
		summary: "attach a managed policy to a role",
		about: `Attaches a managed policy to an IAM role; its sessions, current ones
included, get the permissions at once. <policy> is a policy ARN or one of
these shortcuts:
` + policyShortcutLines(),
		examples: []string{
			"signet admin role attach reader read-only --endpoint-url http://localhost:9000",
			"signet admin role attach reader arn:aws:iam::123456789012:policy/uploads-write",
		},
		check: func(args []string) error {
			if err := checkIAMName("role", args[0]); err != nil {
				return err
			}
			var err error
			arn, err = policyARN(args[1])
			return err
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			a, err := c.iam.Attach(ctx, adminclient.OwnerRole, args[0], arn)
			if err != nil {
				return err
			}
			return o.emit(attachment{Kind: adminclient.OwnerRole, Name: args[0], AttachedPolicy: *a}, func(w io.Writer) {
				fmt.Fprintf(w, "attached %s (%s) to role %s\n", a.PolicyName, a.PolicyARN, args[0])
			})
		},
	}
}

// parseMaxSession reads a --max-session-duration value: a duration in the
// CLI's syntax (12h, 90m, 43200) that IAM accepts as a role's
// MaxSessionDuration.
func parseMaxSession(v string) (time.Duration, error) {
	d, err := duration.Parse(v)
	if err != nil {
		return 0, fmt.Errorf("--max-session-duration: %v", err)
	}
	if d < minMaxSession || d > maxMaxSession || d%time.Second != 0 {
		return 0, fmt.Errorf("--max-session-duration: %s is outside 1h to 12h in whole seconds", v)
	}
	return d, nil
}

// policyShortcuts name the AWS managed policies people attach most.
var policyShortcuts = []struct{ name, policy string }{
	{"read-only", "AmazonS3ReadOnlyAccess"},
	{"full-access", "AmazonS3FullAccess"},
	{"admin", "AdministratorAccess"},
}

// policyShortcutLines lists the shortcuts for help, one a line.
func policyShortcutLines() string {
	var b strings.Builder
	for _, s := range policyShortcuts {
		fmt.Fprintf(&b, "  %-12s arn:aws:iam::aws:policy/%s\n", s.name, s.policy)
	}
	return b.String()
}

func policyShortcutList() string {
	var parts []string
	for _, s := range policyShortcuts {
		parts = append(parts, s.name+" ("+s.policy+")")
	}
	return strings.Join(parts, ", ")
}

// policyARN turns a --policy value, an ARN or a shortcut, into an ARN.
func policyARN(s string) (string, error) {
	for _, sc := range policyShortcuts {
		if s == sc.name {
			return "arn:aws:iam::aws:policy/" + sc.policy, nil
		}
	}
	rest, ok := strings.CutPrefix(s, "arn:aws:iam::")
	if acct, res, found := strings.Cut(rest, ":"); ok && found && acct != "" && strings.HasPrefix(res, "policy/") && len(res) > len("policy/") {
		return s, nil
	}
	return "", fmt.Errorf("%q is not a policy: give an ARN (arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess, arn:aws:iam::ACCOUNT:policy/NAME) or a shortcut: %s", s, policyShortcutList())
}

// checkPrincipal checks the shape of a --trust value.
func checkPrincipal(p string) error {
	switch {
	case strings.HasPrefix(p, "arn:"):
		if !strings.HasPrefix(p, "arn:aws:iam::") && !strings.HasPrefix(p, "arn:aws:sts::") {
			//lint:ignore ST1005 the trailing "::" is part of the ARN prefixes it names, not punctuation; a golden file pins the text
			return fmt.Errorf("--trust %s: an IAM or STS ARN starts arn:aws:iam:: or arn:aws:sts::", p)
		}
		return nil
	case isAccountID(p):
		return nil
	}
	if err := checkIAMName("user", p); err != nil {
		return fmt.Errorf("--trust %s: not a user name, an ARN or a 12-digit account ID", p)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// resolvePrincipals turns --trust values into principal ARNs: an ARN is
// kept, an account ID becomes its root, and a user name is looked up, so
// a typo fails here rather than leaving a role nobody can assume.
func resolvePrincipals(ctx context.Context, c *adminclient.IAM, trust []string) ([]string, error) {
	var arns []string
	for _, p := range trust {
		switch {
		case strings.HasPrefix(p, "arn:"):
			arns = append(arns, p)
		case isAccountID(p):
			arns = append(arns, "arn:aws:iam::"+p+":root")
		default:
			u, err := c.GetUser(ctx, p)
			if err != nil {
				return nil, fmt.Errorf("--trust %s: %w", p, err)
			}
			arns = append(arns, u.ARN)
		}
	}
	return arns, nil
}

func writeRoleDetails(w io.Writer, d *adminclient.RoleDetails) {
	r := d.Role
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "role:\t%s\n", r.RoleName)
	fmt.Fprintf(tw, "arn:\t%s\n", r.ARN)
	fmt.Fprintf(tw, "role id:\t%s\n", r.RoleID)
	fmt.Fprintf(tw, "created:\t%s\n", stamp(r.Created))
	fmt.Fprintf(tw, "max session:\t%s (%d s)\n", duration.Human(r.MaxSessionDuration()), r.MaxSessionDurationSeconds)
	if r.Description != "" {
		fmt.Fprintf(tw, "description:\t%s\n", r.Description)
	}
	tw.Flush()
	fmt.Fprintln(w, "trusted principals (may call sts:AssumeRole):")
	if len(d.TrustedPrincipals) == 0 {
		fmt.Fprintln(w, "  none: nobody can assume this role (see the trust policy with --json)")
	}
	for _, p := range d.TrustedPrincipals {
		line := p.ID
		if p.Type != "AWS" {
			line = p.Type + ": " + p.ID
		}
		if p.Conditional {
			line += " (when the statement's condition holds; see --json)"
		}
		fmt.Fprintf(w, "  %s\n", line)
	}
	writePolicies(w, d.AttachedPolicies, d.InlinePolicies)
}

// writeRoleProfile shows how to use a new role from the AWS config file,
// which signet presign and the AWS CLI both read.
func writeRoleProfile(w io.Writer, d *adminclient.RoleDetails) {
	source := "SOURCE_PROFILE"
	for _, p := range d.TrustedPrincipals {
		if _, name, ok := strings.Cut(p.ID, ":user/"); ok && p.Type == "AWS" {
			source = name[strings.LastIndexByte(name, '/')+1:]
			break
		}
	}
	fmt.Fprintln(w, "to use it, add to ~/.aws/config (source_profile holds the keys of a principal it trusts):")
	fmt.Fprintf(w, "  [profile %s]\n  role_arn = %s\n  source_profile = %s\n", d.Role.RoleName, d.Role.ARN, source)
	// Without duration_seconds a session lasts STS's default hour, and so
	// does every URL it signs; offer the role's whole maximum instead.
	if max := d.Role.MaxSessionDurationSeconds; max > 3600 {
		fmt.Fprintf(w, "  duration_seconds = %d\n", max)
		fmt.Fprintf(w, "(duration_seconds asks for the role's longest session, %s; without it a session, and\nevery URL it signs, lasts 1 hour)\n", duration.Human(d.Role.MaxSessionDuration()))
	}
}
