package reason

// The sentences. Each explains one reason in one situation; When says
// which, for the docs (docs/cli.md's reasons section is generated from this
// table: go test ./internal/reason -run TestDocs -update). Durations print
// with duration.Human, times with stamp (RFC 3339, UTC).
//
// To add a reason or a way a reason reads: add its Sentence below (and a
// code to Codes for a new reason), its entry to table, and detect it where
// the URL is judged (internal/explain on the server, internal/inspect
// offline).
const (
	ValidURL            Sentence = "valid"
	ValidAnonymous      Sentence = "valid/anonymous"
	ValidHeader         Sentence = "valid/header"
	ValidOffline        Sentence = "valid/offline"
	ValidOfflineSession Sentence = "valid/offline_session"
	ValidForm           Sentence = "valid/form"
	ValidFormOffline    Sentence = "valid/form_offline"
	ValidFormOfflineSes Sentence = "valid/form_offline_session"

	URLExpiredV4     Sentence = "url_expired"
	URLExpiredV2     Sentence = "url_expired/sigv2"
	URLExpiredUnread Sentence = "url_expired/unread"

	NotYetValidServer  Sentence = "not_yet_valid"
	NotYetValidOffline Sentence = "not_yet_valid/offline"

	ExpiresOverLimitSeconds Sentence = "expires_over_limit"
	ExpiresOverLimitUnread  Sentence = "expires_over_limit/unread"

	SessionExpiredAt      Sentence = "session_expired"
	SessionExpiredUnknown Sentence = "session_expired/unknown"
	SessionExpiredChained Sentence = "session_expired/chained"
	SessionExpiredForm    Sentence = "session_expired/form"
	SessionTerminatedAt   Sentence = "session_terminated"
	SessionsRevokedBy     Sentence = "sessions_revoked"

	KeyInactiveSince       Sentence = "key_inactive"
	KeyNeverIssued         Sentence = "key_unknown"
	KeyUnknownTemporary    Sentence = "key_unknown/temporary"
	KeyDeleted             Sentence = "key_unknown/deleted"
	KeyDeletedUserDeleted  Sentence = "key_unknown/user_deleted_since"
	KeyUserDeleted         Sentence = "key_unknown/user_deleted"
	KeyChangedWhileExplain Sentence = "key_unknown/changed"

	PolicyExplicitDeny Sentence = "policy_denied"
	PolicyImplicitDeny Sentence = "policy_denied/implicit"
	PolicyDeniedOther  Sentence = "policy_denied/unexplained"

	SignatureDiffers     Sentence = "signature_mismatch"
	SignatureDiffersForm Sentence = "signature_mismatch/form"

	URLRevokedByName   Sentence = "url_revoked"
	URLRevokedBySigner Sentence = "url_revoked/signer"

	PolicyExpiredAt       Sentence = "policy_expired"
	PolicyConditionRefuse Sentence = "policy_condition_failed"

	TokenAltered        Sentence = "invalid_token"
	TokenMissing        Sentence = "invalid_token/missing"
	TokenOnLongTermKey  Sentence = "invalid_token/long_term"
	TokenOfUnknownOwner Sentence = "invalid_token/unknown_key"

	OwnerGone      Sentence = "owner_deleted"
	OwnerRecreated Sentence = "owner_deleted/recreated"

	MalformedRequest  Sentence = "malformed"
	MalformedAuth     Sentence = "malformed/not_presigned"
	MalformedNoKey    Sentence = "malformed/no_key"
	MalformedRefused  Sentence = "malformed/refused"
	MalformedUnjudged Sentence = "malformed/offline"
	NoBucket          Sentence = "no_such_bucket"
	NoObject          Sentence = "no_such_key"
	NoObjectHidden    Sentence = "no_such_key/hidden"
)

// entry is one row of the table.
type entry struct {
	Sentence Sentence
	When     string // the situation, for the docs
	Text     string // a text/template over Facts
}

var table = []entry{
	{ValidURL, "signed by a live key, within its window",
		`The URL is valid: signed by {{.Who}}, it works until {{stamp .Effective}} ({{.Until .Effective}} from now), ` +
			`{{if .CredentialsLimit}}when the credentials that signed it expire, {{human .Shortfall}} before its own window ends at {{stamp .URLExpiry}}` +
			`{{else}}when its own window ends{{end}}.`},
	{ValidAnonymous, "an unsigned request a policy allows",
		`The request is not signed, and a policy lets anyone {{.Action}} on {{.Resource}}.`},
	{ValidHeader, "a request signed in its Authorization header, which has no window",
		`The request is valid: signed by {{.Who}}, it may {{.Action}} on {{.Resource}}.`},
	{ValidOffline, "offline: within its window, signed with a long-term key",
		`The URL is valid by this machine's clock: it works until {{stamp .URLExpiry}} ({{.Until .URLExpiry}} from now), when its own window ends.`},
	{ValidOfflineSession, "offline: within its window, signed with temporary credentials",
		`The URL is valid by this machine's clock for at most {{.Until .URLExpiry}} more, until {{stamp .URLExpiry}}: ` +
			`it dies earlier if the session that signed it ends first, and the URL does not say when that is.`},

	{ValidForm, "a browser POST form signed by a live key, before its policy expires",
		`The form is valid: signed by {{.Who}}, it works until {{stamp .Effective}} ({{.Until .Effective}} from now), ` +
			`{{if .CredentialsLimit}}when the credentials that signed it expire, {{human .Shortfall}} before its policy expires at {{stamp .URLExpiry}}` +
			`{{else}}when its policy expires{{end}}.`},
	{ValidFormOffline, "offline: a POST form before its policy expires, signed with a long-term key",
		`The form is valid: it works until {{stamp .URLExpiry}} ({{.Until .URLExpiry}} from now), when its policy expires.`},
	{ValidFormOfflineSes, "offline: a POST form before its policy expires, signed with temporary credentials",
		`The form is valid by this machine's clock for at most {{.Until .URLExpiry}} more, until {{stamp .URLExpiry}}: ` +
			`it dies earlier if the session that signed it ends first, and the form does not say when that is.`},
	{URLExpiredV4, "the window (X-Amz-Date + X-Amz-Expires) has passed",
		`The URL's own window ended at {{stamp .URLExpiry}} (X-Amz-Date {{stamp .SignedAt}} + X-Amz-Expires {{seconds .Expires}}s), ` +
			`{{.Since .URLExpiry}} ago; presign a new URL.`},
	{URLExpiredV2, "a SigV2 URL's Expires has passed",
		`The URL's Expires time {{stamp .URLExpiry}} passed {{.Since .URLExpiry}} ago; presign a new URL.`},
	{URLExpiredUnread, "the window has passed, but its parameters could not be read",
		`The URL's own window has passed; presign a new URL.`},

	{NotYetValidServer, "X-Amz-Date is ahead of the server's clock",
		`The URL is dated {{stamp .SignedAt}}, {{.Until .SignedAt}} after the server's time {{stamp .Now}}, so it is not valid yet: ` +
			`the clock of whatever signed it runs ahead; correct that clock and presign again.`},
	{NotYetValidOffline, "offline: X-Amz-Date is ahead of this machine's clock",
		`The URL is dated {{stamp .SignedAt}}, {{.Until .SignedAt}} after this machine's time {{stamp .Now}}, so it is not valid yet here: ` +
			`the clock of whatever signed it runs ahead, or this machine's runs behind.`},

	{ExpiresOverLimitSeconds, "X-Amz-Expires over 604800 (7 days)",
		`X-Amz-Expires is {{seconds .Expires}} seconds, over the 604800 (7 days) S3 accepts, so the URL is refused at any time; ` +
			`presign it again with an expiry of at most 7 days.`},
	{ExpiresOverLimitUnread, "X-Amz-Expires over 7 days, too large to read",
		`X-Amz-Expires is over the 604800 seconds (7 days) S3 accepts, so the URL is refused at any time; ` +
			`presign it again with an expiry of at most 7 days.`},

	{SessionExpiredAt, "the session that signed the URL expired (ExpiredToken)",
		`{{capital .Who}} expired at {{stamp .SessionExpiry}}, {{.Since .SessionExpiry}} ago` +
			`{{if .CredentialsLimit}}, {{human .Shortfall}} before the URL's own window ends at {{stamp .URLExpiry}}{{end}}; ` +
			`a URL dies with the credentials that signed it, so presign with an IAM user's long-term key or a session that outlasts the URL.`},
	{SessionExpiredChained, "a session of a role assumed with another role's credentials (role chaining) expired (ExpiredToken)",
		`{{capital .Who}} expired at {{stamp .SessionExpiry}}, {{.Since .SessionExpiry}} ago` +
			`{{if .CredentialsLimit}}, {{human .Shortfall}} before the URL's own window ends at {{stamp .URLExpiry}}{{end}}; ` +
			`it was assumed with another role session's credentials, and such a chained session lasts at most 1 hour whatever the role allows, ` +
			`so presign with an IAM user's long-term key, or with a role session assumed with long-term credentials.`},
	{SessionExpiredForm, "the session that signed a POST form expired (ExpiredToken)",
		`{{capital .Who}} expired at {{stamp .SessionExpiry}}, {{.Since .SessionExpiry}} ago` +
			`{{if .CredentialsLimit}}, {{human .Shortfall}} before the form's policy expires at {{stamp .URLExpiry}}{{end}}; ` +
			`a POST policy dies with the credentials that signed it (S3 answers 400 ExpiredToken), so sign the form again with live credentials.`},
	{SessionExpiredUnknown, "ExpiredToken for a session the server no longer has",
		`The session that signed the URL has ended; presign again with live credentials.`},
	{SessionTerminatedAt, "the session was terminated before its expiry (ExpiredToken)",
		`{{capital .Who}} was terminated at {{stamp .TerminatedAt}}, {{.Since .TerminatedAt}} ago and before its expiry at {{stamp .SessionExpiry}}, ` +
			`so every URL it signed fails with ExpiredToken; presign again with live credentials.`},
	{SessionsRevokedBy, `a "revoke older sessions" deny on aws:TokenIssueTime (AccessDenied)`,
		`{{capital .Who}} was issued at {{stamp .Issued}}, and {{.Statement}} ` +
			`{{if .Condition}}denies sessions whose aws:TokenIssueTime is {{.Condition}}{{else}}denies sessions by their issue time (aws:TokenIssueTime){{end}}, ` +
			`as AWS's "revoke older sessions" does; every URL the session signed now fails with AccessDenied, ` +
			`so presign again with a session issued after the revocation.`},

	{KeyInactiveSince, "an IAM user's key set Inactive (InvalidAccessKeyId)",
		`{{capital .Who}} is inactive, so S3 refuses it as unknown (InvalidAccessKeyId) and every URL it signed fails until the key is made Active again.`},
	{KeyNeverIssued, "a long-term key this server never issued (or deleted over 7 days ago)",
		`Access key {{.KeyID}} was never issued by this server, or was deleted more than 7 days ago; ` +
			`check the endpoint and the credentials the URL was signed with.`},
	{KeyUnknownTemporary, "a temporary key this server does not know",
		`Temporary key {{.KeyID}} is unknown: this server never issued it, or its session expired more than 7 days ago; ` +
			`check the endpoint and the credentials the URL was signed with.`},
	{KeyDeleted, "the key was deleted; its user exists",
		`{{capital .Who}} was deleted at {{stamp .DeletedAt}}, {{.Since .DeletedAt}} ago, and every URL it signed stopped working then; ` +
			`presign with another of the user's keys.`},
	{KeyDeletedUserDeleted, "the key was deleted, then its user",
		`{{capital .Who}} was deleted at {{stamp .DeletedAt}}, {{.Since .DeletedAt}} ago, and IAM user {{.UserName}} has been deleted since; ` +
			`presign with another identity's credentials.`},
	{KeyUserDeleted, "the key's user no longer exists",
		`{{capital .Who}} belongs to IAM user {{.UserName}}, who no longer exists; presign with another identity's credentials.`},
	{KeyChangedWhileExplain, "the key was refused but is known again by the time it is explained",
		`{{capital .Who}} was refused as unknown but is known now: it changed while it was being explained; explain the URL again.`},

	{PolicyExplicitDeny, "a statement denies the request (AccessDenied)",
		`{{.Caller}} is denied {{.Action}} on {{.Resource}} by {{.Statement}}.`},
	{PolicyImplicitDeny, "no statement allows the request (AccessDenied)",
		`No policy allows {{.Action}} on {{.Resource}} for {{.CallerARN}} (an implicit deny)` +
			`{{with .DeletedRole}}: role {{.}} was deleted, and its sessions lost every permission with it{{end}}; ` +
			`allow it in an identity policy or the bucket policy.`},
	{PolicyDeniedOther, "authorisation refused without a deciding statement",
		`{{.Caller}} may not {{.Action}} on {{.Resource}}; presign with credentials allowed to.`},

	{SignatureDiffers, "the signature does not match the request as sent (SignatureDoesNotMatch)",
		`The signature does not match the request as sent: {{.Hint}}.`},
	{SignatureDiffersForm, "a POST form's signature is not its policy's (SignatureDoesNotMatch)",
		`The form's signature is not the signature of its policy field with the secret of {{.Who}}: ` +
			`the policy or the signature was changed after signing, or another secret signed it; sign the form again.`},

	{URLRevokedByName, "the URL (or form) itself was revoked with `signet admin url revoke` (AccessDenied; signet's own)",
		`{{.RevokedBy}} revoked this URL at {{stamp .RevokedAt}}{{if .RevokeReason}} ("{{.RevokeReason}}"){{end}}; ` +
			`signet refuses it with {{.Status}} {{.Code}} "{{.Detail}}" although {{.Signer}} signed it and it would otherwise work until {{stamp .Effective}}. ` +
			`Other URLs of the same signer are not affected: presign again if it should be shared.`},
	{URLRevokedBySigner, "every URL its signer signed before a time was revoked with `signet admin url revoke --signed-by` (AccessDenied; signet's own)",
		`{{.RevokedBy}} revoked every URL {{.RevokedSigner}} signed before {{stamp .RevokedBefore}} at {{stamp .RevokedAt}}{{if .RevokeReason}} ("{{.RevokeReason}}"){{end}}, ` +
			`and this one {{if .SignedAt.IsZero}}names no signing time (SigV2), so it counts as signed before{{else}}was signed at {{stamp .SignedAt}}{{end}}; ` +
			`signet refuses it with {{.Status}} {{.Code}}. The signer's keys and sessions still work: a URL signed now does too.`},

	{PolicyExpiredAt, "a POST form's policy expiration has passed (AccessDenied)",
		`The policy expired at {{stamp .URLExpiry}}, {{.Since .URLExpiry}} ago; S3 refuses the form with {{.Status}} {{.Code}} "{{.Detail}}" Sign a new form.`},
	{PolicyConditionRefuse, "a POST form's fields, or its file's size, are not what its policy allows",
		`S3 refuses the form with {{.Status}} {{.Code}}: {{trimDot .Detail}}; send what the policy allows, or sign a new form that allows this.`},

	{TokenAltered, "the session token is not the one issued with the key (InvalidToken)",
		`The URL's X-Amz-Security-Token is not the one issued with {{.Who}}: it was altered, cut short or belongs to another session; ` +
			`presign with the token that came with the key.`},
	{TokenMissing, "a temporary key sent without its session token (InvalidAccessKeyId)",
		`The URL carries no X-Amz-Security-Token, which {{.Who}} needs, so the key counts as unknown (InvalidAccessKeyId); ` +
			`presign with the session token that came with the key.`},
	{TokenOnLongTermKey, "a session token sent with a long-term key (InvalidToken)",
		`The URL carries an X-Amz-Security-Token, but {{.Who}} is a long-term key that takes none; ` +
			`presign without a token, or with the session's own temporary key.`},
	{TokenOfUnknownOwner, "a malformed session token, or one of an unknown key (InvalidToken)",
		`The URL's X-Amz-Security-Token is malformed or not its key's; presign with the token that came with the key.`},

	{OwnerGone, "the user or role the session was issued for was deleted (InvalidToken)",
		`{{capital .Who}} was issued for {{.OwnerKind}} {{.OwnerName}}{{with .OwnerID}} ({{.}}){{end}}, which was deleted; ` +
			`a session is bound to its owner's unique ID, so every URL it signed fails with InvalidToken. ` +
			`Presign again with credentials of an identity that exists.`},
	{OwnerRecreated, "the session's user or role was deleted and one of the same name created (InvalidToken)",
		`{{capital .Who}} was issued for {{.OwnerKind}} {{.OwnerName}}{{with .OwnerID}} ({{.}}){{end}}, which was deleted, ` +
			`and the {{.OwnerKind}} called {{.OwnerName}} now is a new one ({{.NewOwnerID}}) that does not inherit its sessions; ` +
			`a session is bound to its owner's unique ID, so every URL it signed fails with InvalidToken. ` +
			`Presign again with credentials of an identity that exists.`},

	{MalformedRequest, "refused before any permission is checked",
		`The request is refused before any permission is checked: {{trimDot .Detail}} ({{.Status}} {{.Code}}).`},
	{MalformedAuth, "not a presigned request the server accepts (wrong region or service, a parameter missing)",
		`The URL is not a presigned request this server accepts: {{trimDot .Detail}} ({{.Status}} {{.Code}}).`},
	{MalformedNoKey, "the request names no access key",
		`The request names no access key; presign it with credentials.`},
	{MalformedRefused, "refused for another reason",
		`The request is refused: {{trimDot .Detail}} ({{.Status}} {{.Code}}).`},
	{MalformedUnjudged, "offline: the URL is not a presigned URL that can be judged",
		`{{.Detail}}`},

	{NoBucket, "the URL is good, but its bucket does not exist (NoSuchBucket)",
		`The URL is signed correctly and {{.Signer}} is allowed {{.Action}}, but there is no bucket {{.Bucket}} on this server, ` +
			`so it answers {{.Status}} NoSuchBucket; check the bucket's name (and the endpoint), or create it.`},
	{NoObject, "the URL is good, but its object does not exist (NoSuchKey)",
		`The URL is signed correctly and {{.Signer}} is allowed {{.Action}}, but there is no object {{printf "%q" .Object}} in bucket {{.Bucket}} now, ` +
			`so it answers {{.Status}} NoSuchKey; check the key's spelling, case and encoding, or upload the object.`},
	{NoObjectHidden, "the object does not exist and the signer may not list the bucket (AccessDenied)",
		`The URL is signed correctly and {{.Signer}} is allowed {{.Action}}, but there is no object {{printf "%q" .Object}} in bucket {{.Bucket}} now; ` +
			`as it is not allowed s3:ListBucket on {{.Bucket}}, S3 answers {{.Status}} AccessDenied rather than NoSuchKey, so as not to reveal which keys exist. ` +
			`Check the key's spelling, case and encoding, or upload the object.`},
}
