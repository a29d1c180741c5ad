package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"signet/internal/adminclient"
)

func keyCreateCmd() *adminCmd {
	return &adminCmd{
		group: "key", verb: "create", args: "<user>", nargs: 1, action: "iam:CreateAccessKey",
		summary: "create an access key; prints its secret once",
		about: `Creates an Active access key for an IAM user (at most two per user) and
prints it as shell export lines, so that

  eval "$(signet admin key create alice)"

puts it in the environment, and '>> alice.env' keeps it. The secret access
key is printed this once: the server stores it sealed and no command shows
it again. Lose it, and the way out is a new key (then delete the old one).
With --json the key, secret included, is printed as JSON.

With --profile NAME the key is also written to the [NAME] section of the
shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials;
mode 0600), which is created or updated; other sections are left as they
were. The call itself is then made with the credentials of the environment,
AWS_PROFILE or the default profile.`,
		examples: []string{
			"signet admin key create alice --endpoint-url http://localhost:9000",
			`eval "$(signet admin key create alice)"`,
			"signet admin key create alice --profile alice   # then: aws s3 ls --profile alice",
			"signet admin key create alice --json > alice-key.json",
		},
		profileHelp: "write the key to this profile of the shared credentials file",
		check:       func(args []string) error { return checkIAMName("user", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			k, err := c.iam.CreateAccessKey(ctx, args[0])
			if err != nil {
				return err
			}
			// The one place a secret is revealed: printing it is the
			// command's job.
			shown := struct {
				adminclient.AccessKey
				SecretAccessKey string `json:"secret_access_key"`
			}{k.AccessKey, k.Secret.Reveal()}
			if err := o.emit(shown, func(w io.Writer) {
				fmt.Fprintf(w, "export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n", shown.AccessKeyID, shown.SecretAccessKey)
			}); err != nil {
				return err
			}
			// On stderr, so that stdout stays something a shell can eval.
			fmt.Fprintf(o.errw, "created access key %s for user %s (%s).\n", k.AccessKeyID, k.UserName, k.Status)
			if o.saveProfile == "" {
				fmt.Fprintf(o.errw, "The secret access key is shown only this once: store it now. If it is lost, create\n"+
					"another key and delete this one ('signet admin key delete %s %s').\n", k.UserName, k.AccessKeyID)
				return nil
			}
			return saveKeyToProfile(o, shown.AccessKeyID, shown.SecretAccessKey)
		},
	}
}

// saveKeyToProfile writes a new key to --profile's section of the shared
// credentials file and says where it went.
func saveKeyToProfile(o *adminOut, keyID, secretKey string) error {
	path := sharedCredentialsFile()
	replaced, err := saveProfileKey(path, o.saveProfile, keyID, secretKey)
	if err != nil {
		return fmt.Errorf("the key was created, but writing it to profile %q failed: %w; "+
			"its secret is in the export lines above", o.saveProfile, err)
	}
	was := ""
	if replaced != "" {
		was = fmt.Sprintf(", in place of %s", replaced)
	}
	fmt.Fprintf(o.errw, "Wrote it to profile [%s] in %s (mode 0600)%s: use it with --profile %s.\n", o.saveProfile, path, was, o.saveProfile)
	return nil
}

func keyListCmd() *adminCmd {
	return &adminCmd{
		group: "key", verb: "list", args: "<user>", nargs: 1, action: "iam:ListAccessKeys",
		summary: "list a user's access keys (never their secrets)",
		about: `Lists an IAM user's access keys: ID, status and creation time. Secrets are
never listed: the server keeps them sealed and shows each only when its key
is created.`,
		examples: []string{
			"signet admin key list alice --endpoint-url http://localhost:9000",
			"signet admin key list alice --json",
		},
		check: func(args []string) error { return checkIAMName("user", args[0]) },
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			ks, err := c.iam.ListAccessKeys(ctx, args[0])
			if err != nil {
				return err
			}
			return o.emit(struct {
				AccessKeys []adminclient.AccessKey `json:"access_keys"`
			}{ks}, func(w io.Writer) {
				if len(ks) == 0 {
					fmt.Fprintf(w, "user %s has no access keys: 'signet admin key create %s' makes one\n", args[0], args[0])
					return
				}
				tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ACCESS KEY ID\tSTATUS\tCREATED")
				for _, k := range ks {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", k.AccessKeyID, k.Status, stamp(k.Created))
				}
				tw.Flush()
			})
		},
	}
}

func keyDeactivateCmd() *adminCmd {
	return keyStatusCmd("deactivate", adminclient.KeyInactive,
		"make an access key Inactive (reversible)",
		`Makes an access key Inactive: every request signed with it, presigned URLs
already handed out included, fails with 403 InvalidAccessKeyId until it is
activated again. Deactivating first, then deleting once nothing broke, is the safe way to
retire a key.`)
}

func keyActivateCmd() *adminCmd {
	return keyStatusCmd("activate", adminclient.KeyActive,
		"make an Inactive access key Active again",
		`Makes an Inactive access key Active again: URLs it signed work again for
what remains of their windows.`)
}

func keyStatusCmd(verb, status, summary, about string) *adminCmd {
	return &adminCmd{
		group: "key", verb: verb, args: "<user> <access-key-id>", nargs: 2, action: "iam:UpdateAccessKey",
		summary: summary,
		about:   about,
		examples: []string{
			"signet admin key " + verb + " alice AKIAIOSFODNN7EXAMPLE --endpoint-url http://localhost:9000",
			"signet admin key " + verb + " alice AKIAIOSFODNN7EXAMPLE --json",
		},
		check: checkUserAndKey,
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			k, err := c.iam.SetAccessKeyStatus(ctx, args[0], args[1], status)
			if err != nil {
				return err
			}
			return o.emit(k, func(w io.Writer) {
				if status == adminclient.KeyInactive {
					fmt.Fprintf(w, "access key %s of user %s is now Inactive: requests and URLs signed with it fail until 'signet admin key activate %s %s'\n",
						k.AccessKeyID, args[0], args[0], k.AccessKeyID)
					return
				}
				fmt.Fprintf(w, "access key %s of user %s is now Active\n", k.AccessKeyID, args[0])
			})
		},
	}
}

func keyDeleteCmd() *adminCmd {
	return &adminCmd{
		group: "key", verb: "delete", args: "<user> <access-key-id>", nargs: 2, action: "iam:DeleteAccessKey",
		summary: "delete an access key for good",
		about: `Deletes an access key. Every request signed with it, presigned URLs already
handed out included, then fails with 403 InvalidAccessKeyId. This cannot be
undone; 'signet admin key deactivate' can.`,
		examples: []string{
			"signet admin key delete alice AKIAIOSFODNN7EXAMPLE --endpoint-url http://localhost:9000",
			"signet admin key delete alice AKIAIOSFODNN7EXAMPLE --json",
		},
		check: checkUserAndKey,
		runIAM: func(ctx context.Context, c *adminAPIs, args []string, o *adminOut) error {
			if err := c.iam.DeleteAccessKey(ctx, args[0], args[1]); err != nil {
				return err
			}
			return o.emit(struct {
				AccessKeyID string `json:"access_key_id"`
				UserName    string `json:"user_name"`
				Deleted     bool   `json:"deleted"`
			}{args[1], args[0], true}, func(w io.Writer) {
				fmt.Fprintf(w, "deleted access key %s of user %s: URLs it signed now fail with InvalidAccessKeyId\n", args[1], args[0])
			})
		},
	}
}

func checkUserAndKey(args []string) error {
	if err := checkIAMName("user", args[0]); err != nil {
		return err
	}
	return checkAccessKeyID(args[1:])
}
