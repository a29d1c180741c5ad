package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"signet/internal/adminclient"
)

// The policy verbs of users and roles besides attach: detach a managed
// policy, put and delete an inline one. Each is built for both kinds of
// owner by one constructor, as IAM pairs its actions (DetachUserPolicy and
// DetachRolePolicy, …).

func userDetachCmd() *adminCmd { return detachCmd(adminclient.OwnerUser) }
func roleDetachCmd() *adminCmd { return detachCmd(adminclient.OwnerRole) }

func userPutPolicyCmd() *adminCmd    { return putPolicyCmd(adminclient.OwnerUser) }
func rolePutPolicyCmd() *adminCmd    { return putPolicyCmd(adminclient.OwnerRole) }
func userDeletePolicyCmd() *adminCmd { return deletePolicyCmd(adminclient.OwnerUser) }
func roleDeletePolicyCmd() *adminCmd { return deletePolicyCmd(adminclient.OwnerRole) }

// iamAction names IAM's action for verb on kind: "Detach", role gives
// iam:DetachRolePolicy.
func iamAction(verb, kind string) string {
	return "iam:" + verb + upperFirst(kind) + "Policy"
}

// exampleOwner is the user or role the examples of kind's commands name.
func exampleOwner(kind string) string {
	if kind == adminclient.OwnerRole {
		return "reader"
	}
	return "alice"
}

func detachCmd(kind string) *adminCmd {
	var arn string
	who := map[string]string{
		adminclient.OwnerUser: "its keys and its sessions",
		adminclient.OwnerRole: "its sessions, current ones included,",
	}[kind]
	return &adminCmd{
		group: kind, verb: "detach", args: "<name> <policy>", nargs: 2, action: iamAction("Detach", kind),
		summary: "detach a managed policy from a " + kind,
		about: `Detaches a managed policy from an IAM ` + kind + `: ` + who + ` lose the
permissions it gave at the next request. A policy that is not attached is
refused with NoSuchEntity. <policy> is a policy ARN or one of these
shortcuts:
` + policyShortcutLines(),
		examples: []string{
			"signet admin " + kind + " detach " + exampleOwner(kind) + " read-only --endpoint-url http://localhost:9000",
			"signet admin " + kind + " detach " + exampleOwner(kind) + " arn:aws:iam::aws:policy/IAMReadOnlyAccess --json",
		},
		check: func(args []string) error {
			if err := checkIAMName(kind, args[0]); err != nil {
				return err
			}
			var err error
			arn, err = policyARN(args[1])
			return err
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			if err := c.iam.Detach(ctx, kind, args[0], arn); err != nil {
				return err
			}
			d := struct {
				attachment
				Detached bool `json:"detached"`
			}{attachment{Kind: kind, Name: args[0], AttachedPolicy: adminclient.AttachedPolicy{PolicyName: arn[strings.LastIndexByte(arn, '/')+1:], PolicyARN: arn}}, true}
			return o.emit(d, func(w io.Writer) {
				fmt.Fprintf(w, "detached %s (%s) from %s %s\n", d.PolicyName, d.PolicyARN, kind, args[0])
			})
		},
	}
}

func putPolicyCmd(kind string) *adminCmd {
	var file stringFlag
	var doc string
	return &adminCmd{
		group: kind, verb: "put-policy", args: "<name> <policy-name>", nargs: 2, action: iamAction("Put", kind),
		usage:   "<name> <policy-name> --policy-document <file>",
		summary: "put (or replace) an inline policy of a " + kind,
		about: `Embeds an inline policy in an IAM ` + kind + `, read from a JSON file, under
<policy-name>; a policy of that name is replaced, as IAM's Put` + upperFirst(kind) + `Policy
does. The permissions apply at the next request. IAM checks the document
and its size (the sum of a ` + kind + `'s inline policies is limited) and answers
MalformedPolicyDocument or LimitExceeded.`,
		flags: []adminFlag{
			{name: "policy-document", arg: "FILE", help: "the policy document, a JSON file (file://FILE as with the AWS CLI also works)", value: &file, file: true},
		},
		examples: []string{
			"signet admin " + kind + " put-policy " + exampleOwner(kind) + " uploads --policy-document uploads.json --endpoint-url http://localhost:9000",
			"signet admin " + kind + " put-policy " + exampleOwner(kind) + " uploads --policy-document file://uploads.json --json",
		},
		check: func(args []string) error {
			if err := checkIAMName(kind, args[0]); err != nil {
				return err
			}
			if err := checkPolicyName(args[1]); err != nil {
				return err
			}
			if !file.set {
				return errors.New("give the policy: --policy-document FILE (a JSON policy document)")
			}
			var err error
			doc, err = readPolicyDocument("--policy-document", file.v)
			return err
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			if err := c.iam.PutInlinePolicy(ctx, kind, args[0], args[1], doc); err != nil {
				return err
			}
			return o.emit(struct {
				Kind string `json:"kind"`
				Name string `json:"name"`
				adminclient.InlinePolicy
			}{kind, args[0], adminclient.InlinePolicy{PolicyName: args[1], Document: adminclient.Document(doc)}}, func(w io.Writer) {
				fmt.Fprintf(w, "put inline policy %s on %s %s\n", args[1], kind, args[0])
			})
		},
	}
}

func deletePolicyCmd(kind string) *adminCmd {
	return &adminCmd{
		group: kind, verb: "delete-policy", args: "<name> <policy-name>", nargs: 2, action: iamAction("Delete", kind),
		summary: "delete an inline policy of a " + kind,
		about: `Deletes an inline policy of an IAM ` + kind + `: the permissions (or denials) it
gave end at the next request. This also lifts a revocation: the policy
AWSRevokeOlderSessions that 'signet admin revoke ` + kind + `' puts. Managed
policies are detached with 'signet admin ` + kind + ` detach' instead.`,
		examples: []string{
			"signet admin " + kind + " delete-policy " + exampleOwner(kind) + " uploads --endpoint-url http://localhost:9000",
			"signet admin " + kind + " delete-policy " + exampleOwner(kind) + " AWSRevokeOlderSessions --json",
		},
		check: func(args []string) error {
			if err := checkIAMName(kind, args[0]); err != nil {
				return err
			}
			return checkPolicyName(args[1])
		},
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			if err := c.iam.DeleteInlinePolicy(ctx, kind, args[0], args[1]); err != nil {
				return err
			}
			return o.emit(struct {
				Kind       string `json:"kind"`
				Name       string `json:"name"`
				PolicyName string `json:"policy_name"`
				Deleted    bool   `json:"deleted"`
			}{kind, args[0], args[1], true}, func(w io.Writer) {
				fmt.Fprintf(w, "deleted inline policy %s of %s %s\n", args[1], kind, args[0])
			})
		},
	}
}

// maxPolicyName is IAM's limit on an inline policy's name.
const maxPolicyName = 128

// checkPolicyName checks the shape IAM gives policy names (1 to 128 of
// letters, digits and +=,.@_-), so a typo is found before any call.
func checkPolicyName(name string) error {
	if name == "" || len(name) > maxPolicyName {
		return fmt.Errorf("a policy name has 1 to %d characters, not %d", maxPolicyName, len(name))
	}
	if strings.IndexFunc(name, func(r rune) bool { return !iamNameRune(r) }) >= 0 {
		return fmt.Errorf("%q is not a policy name: use letters, digits and +=,.@_- only", name)
	}
	return nil
}

// examplePolicy is a policy document to show when a file holds none.
const examplePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::uploads/*"}]}`

// readPolicyDocument reads a policy document from path, which may be
// written file://path as the AWS CLI takes it. Only that the file holds
// JSON is checked here; IAM judges the policy itself.
func readPolicyDocument(flagName, path string) (string, error) {
	path = strings.TrimPrefix(path, "file://")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %v", flagName, err)
	}
	if !json.Valid(b) {
		return "", fmt.Errorf("%s: %s is not JSON: it should hold a policy document such as %s", flagName, path, examplePolicy)
	}
	return string(b), nil
}

// policyVerbHint says what to do next about an IAM error answered to one
// of the verbs above, or "" to leave it to iamHint.
func policyVerbHint(e *adminclient.APIError, c *adminCmd, args []string) string {
	if len(args) == 0 || (c.verb != "detach" && c.verb != "put-policy" && c.verb != "delete-policy") {
		return ""
	}
	msg := strings.ToLower(e.Message)
	switch {
	case e.Code == "NoSuchEntity" && c.verb == "detach" && strings.HasPrefix(msg, "policy "):
		return fmt.Sprintf("the policy is not attached to %s %s: see what is with 'signet admin %s show %s'", c.group, args[0], c.group, args[0])
	case e.Code == "NoSuchEntity" && c.verb == "delete-policy" && strings.Contains(msg, " policy with name"):
		return fmt.Sprintf("%s %s has no inline policy of that name: see its policies with 'signet admin %s show %s'", c.group, args[0], c.group, args[0])
	case e.Code == "MalformedPolicyDocument":
		return "the policy document was refused as shown: a policy has a Version (2012-10-17) and Statements, each with an Effect, an Action and a Resource"
	}
	return ""
}
