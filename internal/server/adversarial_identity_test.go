package server_test

// Adversarial section: identity re-creation (issue 13, finding 2). AWS
// binds sessions, and the principals of resource and trust policies, to
// the unique ID (AIDA…, AROA…) of a user or role, not to its name: an
// attacker who can delete and re-create a user or role of the same name
// must not revive its old sessions or presigned URLs, nor hand the new
// identity the grants the old one had.

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/meta"
	"signet/internal/meta/bolt"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// deleteReader deletes role "reader" (its inline policy first, as IAM
// requires) and createReader makes a new one of the same name, with the
// same trust and permissions as newIdentityEnv gave the old.
func (ie *identityEnv) deleteReader(t *testing.T) {
	t.Helper()
	ie.iam(t, "Action", "DeleteRolePolicy", "RoleName", "reader", "PolicyName", "all")
	ie.iam(t, "Action", "DeleteRole", "RoleName", "reader")
}

func (ie *identityEnv) createReader(t *testing.T, trust string) {
	t.Helper()
	ie.iam(t, "Action", "CreateRole", "RoleName", "reader", "AssumeRolePolicyDocument", trust, "MaxSessionDuration", "43200")
	ie.iam(t, "Action", "PutRolePolicy", "RoleName", "reader", "PolicyName", "all", "PolicyDocument", readAll)
}

// trustAccount trusts every identity of the account that is allowed
// sts:AssumeRole (the account principal is not bound to any one user).
func (ie *identityEnv) trustAccount() string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + ie.account(nil) + `:root"},"Action":"sts:AssumeRole"}]}`
}

// account is the server's account ID, read from the role's ARN.
func (ie *identityEnv) account(*testing.T) string { return ie.roleARN[len("arn:aws:iam::"):][:12] }

// wantInvalidToken: a dead owner's session fails as an invalid token, on
// S3 and on the Query APIs, never as the newcomer.
func (ie *identityEnv) wantInvalidToken(t *testing.T, what, u string, sess sigv4.Credentials) {
	t.Helper()
	e := wantErr(t, do(t, ie.httpc, http.MethodGet, u, nil, nil), 400, "InvalidToken")
	if e.Message != "The provided token is malformed or otherwise not valid." {
		t.Errorf("%s: InvalidToken message %q", what, e.Message)
	}
	ie.queryErr(t, "sts", sess, 403, "InvalidClientTokenId", "Action", "GetCallerIdentity")
}

func TestAdversarialIdentityRoleSessionDiesWithItsRole(t *testing.T) {
	ie := newIdentityEnv(t)
	sess := ie.assume(t, ie.alice, ie.roleARN, "old", 43200)
	u := ie.presign(t, sess.sig(), 24*time.Hour)
	wantOK(t, ie.at(t, time.Minute, u), 200, ie.body)

	ie.deleteReader(t)
	ie.wantInvalidToken(t, "role deleted", u, sess.sig())

	// The same name again, with the very permissions the old role had:
	// the old session and its URL stay dead.
	ie.createReader(t, ie.trustAccount())
	ie.wantInvalidToken(t, "role re-created", u, sess.sig())
	// A URL signed now with the old session is just as dead.
	ie.wantInvalidToken(t, "signed after re-creation", ie.presign(t, sess.sig(), time.Hour), sess.sig())

	// The new role's own sessions work.
	fresh := ie.assume(t, ie.alice, ie.roleARN, "new", 3600)
	wantOK(t, ie.at(t, 2*time.Minute, ie.presign(t, fresh.sig(), time.Hour)), 200, ie.body)
}

func TestAdversarialIdentityUserSessionDiesWithItsUser(t *testing.T) {
	ie := newIdentityEnv(t)
	var tok sessionTokenXML
	ie.okCall(t, "sts", ie.alice, &tok, "Action", "GetSessionToken")
	sess := tok.Result.Credentials.sig()
	u := ie.presign(t, sess, 24*time.Hour)
	wantOK(t, ie.at(t, time.Minute, u), 200, ie.body)

	// Deleting alice takes her key and policy first, as IAM requires.
	ie.iam(t, "Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", ie.alice.AccessKeyID)
	ie.iam(t, "Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "all")
	ie.iam(t, "Action", "DeleteUser", "UserName", "alice")
	ie.wantInvalidToken(t, "user deleted", u, sess)

	ie.iam(t, "Action", "CreateUser", "UserName", "alice")
	ie.iam(t, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "all", "PolicyDocument", readAll)
	ie.wantInvalidToken(t, "user re-created", u, sess)
}

// newUser creates user name with one access key and returns the key.
func (ie *identityEnv) newUser(t *testing.T, name string) sigv4.Credentials {
	t.Helper()
	ie.iam(t, "Action", "CreateUser", "UserName", name)
	var key struct {
		Result struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		} `xml:"CreateAccessKeyResult"`
	}
	ie.okCall(t, "iam", ie.root(), &key, "Action", "CreateAccessKey", "UserName", name)
	return sigv4.Credentials{AccessKeyID: key.Result.AccessKey.AccessKeyId, SecretAccessKey: secret.New(key.Result.AccessKey.SecretAccessKey)}
}

// dropUser deletes user name and its one key.
func (ie *identityEnv) dropUser(t *testing.T, name string, key sigv4.Credentials) {
	t.Helper()
	ie.iam(t, "Action", "DeleteAccessKey", "UserName", name, "AccessKeyId", key.AccessKeyID)
	ie.iam(t, "Action", "DeleteUser", "UserName", name)
}

func (ie *identityEnv) userARN(name string) string {
	return "arn:aws:iam::" + ie.account(nil) + ":user/" + name
}

func TestAdversarialIdentityBucketPolicyGrantNotInherited(t *testing.T) {
	ie := newIdentityEnv(t)
	carol := ie.newUser(t, "carol")
	grant := `{"Version":"2012-10-17","Statement":[{"Sid":"Carol","Effect":"Allow","Principal":{"AWS":"` + ie.userARN("carol") +
		`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::life/*"}]}`
	wantOK(t, do(t, ie.httpc, http.MethodPut, ie.signedURL(t, http.MethodPut, "/life?policy", 0), nil, []byte(grant)), 204, nil)
	getPolicy := func() string {
		t.Helper()
		r := do(t, ie.httpc, http.MethodGet, ie.signedURL(t, http.MethodGet, "/life?policy", 0), nil, nil)
		wantOK(t, r, 200, nil)
		return string(r.body)
	}
	// The grant reads back as written, and carol (who has no identity
	// policy) reads through it.
	if got := getPolicy(); got != grant {
		t.Errorf("GetBucketPolicy\n got %s\nwant %s", got, grant)
	}
	wantOK(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, carol, time.Hour), nil, nil), 200, ie.body)

	// carol is deleted: the policy shows her old unique ID, as AWS does.
	ie.dropUser(t, "carol", carol)
	shown := getPolicy()
	if strings.Contains(shown, ie.userARN("carol")) || !strings.Contains(shown, `"AWS":"AIDA`) {
		t.Errorf("after deleting carol, GetBucketPolicy shows %s", shown)
	}

	// A new carol does not inherit the grant, and the policy still
	// names the old one.
	carol2 := ie.newUser(t, "carol")
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, carol2, time.Hour), nil, nil), 403, "AccessDenied")
	if got := getPolicy(); got != shown {
		t.Errorf("after re-creating carol, GetBucketPolicy\n got %s\nwant %s", got, shown)
	}

	// A grant to a user that does not exist is refused, as on AWS: it
	// could only go to whoever takes the name next.
	ghost := strings.ReplaceAll(grant, ie.userARN("carol"), ie.userARN("ghost"))
	e := wantErr(t, do(t, ie.httpc, http.MethodPut, ie.signedURL(t, http.MethodPut, "/life?policy", 0), nil, []byte(ghost)), 400, "MalformedPolicy")
	if e.Message != "Invalid principal in policy" {
		t.Errorf("MalformedPolicy message %q", e.Message)
	}
}

func TestAdversarialIdentityTrustPolicyGrantNotInherited(t *testing.T) {
	ie := newIdentityEnv(t)
	dave := ie.newUser(t, "dave")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ie.userARN("dave") + `"},"Action":"sts:AssumeRole"}]}`
	ie.iam(t, "Action", "CreateRole", "RoleName", "deployer", "AssumeRolePolicyDocument", trust)
	deployer := strings.Replace(ie.roleARN, ":role/reader", ":role/deployer", 1)
	// A trust policy naming dave is enough for dave (no identity policy).
	ie.assume(t, dave, deployer, "first", 0)

	ie.dropUser(t, "dave", dave)
	dave2 := ie.newUser(t, "dave")
	ie.queryErr(t, "sts", dave2, 403, "AccessDenied", "Action", "AssumeRole", "RoleArn", deployer, "RoleSessionName", "second")

	var role struct {
		Result struct {
			Role struct{ AssumeRolePolicyDocument string }
		} `xml:"GetRoleResult"`
	}
	ie.okCall(t, "iam", ie.root(), &role, "Action", "GetRole", "RoleName", "deployer")
	doc, _ := url.QueryUnescape(role.Result.Role.AssumeRolePolicyDocument)
	if strings.Contains(doc, ie.userARN("dave")) || !strings.Contains(doc, `"AWS":"AIDA`) {
		t.Errorf("trust policy after dave was re-created: %s", doc)
	}

	// Naming a user that does not exist is refused, as IAM does.
	ghost := strings.ReplaceAll(trust, ie.userARN("dave"), ie.userARN("ghost"))
	msg := ie.queryErr(t, "iam", ie.root(), 400, "MalformedPolicyDocument", "Action", "UpdateAssumeRolePolicy", "RoleName", "deployer", "PolicyDocument", ghost)
	if want := `Invalid principal in policy: "AWS":"` + ie.userARN("ghost") + `"`; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}

// Records written before the binding existed: bucket and trust policies
// that hold user and role ARNs. The server binds them at start, once, to
// the identity that holds the ARN then (a fresh ID that matches no one
// for an ARN that names nobody), so deleting and re-creating such a user
// or role breaks the grant as it does for a policy saved since.

// legacyBindMarker is where the metadata file records that the binding
// ran (the "schema" bucket's "legacy-ids-bound" key, see meta/bolt):
// without it the file is one written before the binding.
var legacyBindMarker = [2][]byte{[]byte("schema"), []byte("legacy-ids-bound")}

// startIdentityOn starts a fake-clock server on data directory dir with
// bucket "life" holding "cat" (written when the bucket is missing) and
// returns it with a stop function, so the test can restart it on the
// same data. roleARN is a placeholder of the account, for userARN.
func startIdentityOn(t *testing.T, dir string, fake *clock.Fake) (*identityEnv, func()) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.Region = region
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	cfg.TLSCert, cfg.TLSKey = "", ""
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), fake)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	root := srv.Root()
	e := &testEnv{srv: srv, ts: ts, akid: root.AccessKeyID, sec: root.Secret.Reveal(), logs: &syncBuffer{}, fake: fake, dir: dir}
	e.rec = &recordingTransport{next: ts.Client().Transport}
	e.httpc = &http.Client{Transport: e.rec}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ts.Close()
			if err := srv.Close(); err != nil {
				t.Errorf("srv.Close: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	ie := &identityEnv{testEnv: e, body: []byte("a yawning cat")}
	var who struct {
		Result struct{ Account string } `xml:"GetCallerIdentityResult"`
	}
	e.okCall(t, "sts", e.root(), &who, "Action", "GetCallerIdentity")
	ie.roleARN = "arn:aws:iam::" + who.Result.Account + ":role/placeholder"
	if r := do(t, e.httpc, http.MethodHead, e.signedURL(t, http.MethodHead, "/life", 0), nil, nil); r.status == 404 {
		wantOK(t, do(t, e.httpc, http.MethodPut, e.signedURL(t, http.MethodPut, "/life", 0), nil, nil), 200, nil)
		wantOK(t, do(t, e.httpc, http.MethodPut, e.signedURL(t, http.MethodPut, "/life/cat", 0), nil, ie.body), 200, nil)
	}
	return ie, stop
}

// makeLegacy turns the stopped server's store into one written before
// the binding: edit runs on the engine (which stores what it is given,
// binding nothing, as the old code did), raw on the bbolt file, and the
// marker of the binding is removed.
func makeLegacy(t *testing.T, dir string, edit func(*bolt.Store) error, raw func(*bbolt.Tx) error) {
	t.Helper()
	path := filepath.Join(dir, "meta.db")
	st, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := edit(st); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		if err := raw(tx); err != nil {
			return err
		}
		return tx.Bucket(legacyBindMarker[0]).Delete(legacyBindMarker[1])
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAdversarialIdentityLegacyPolicyBoundAtStart(t *testing.T) {
	dir, fake := t.TempDir(), clock.NewFake(t0)
	ie, stop := startIdentityOn(t, dir, fake)
	carol := ie.newUser(t, "carol")
	dave := ie.newUser(t, "dave")
	ie.iam(t, "Action", "CreateRole", "RoleName", "deployer", "AssumeRolePolicyDocument", ie.trustAccount())
	stop()

	// Saved before the binding: a grant to carol, and one to ghost, a
	// user who did not exist (the old code took it); a trust policy
	// naming dave.
	grant := `{"Version":"2012-10-17","Statement":[{"Sid":"Named","Effect":"Allow","Principal":{"AWS":["` + ie.userARN("carol") +
		`","` + ie.userARN("ghost") + `"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::life/*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ie.userARN("dave") + `"},"Action":"sts:AssumeRole"}]}`
	makeLegacy(t, dir, func(st *bolt.Store) error {
		if err := st.PutBucketPolicy(t.Context(), "life", grant); err != nil {
			return err
		}
		return st.UpdateRole(t.Context(), "deployer", func(r *meta.Role) error { r.TrustPolicy = trust; return nil })
	}, func(*bbolt.Tx) error { return nil })

	ie, stop = startIdentityOn(t, dir, fake)
	deployer := strings.Replace(ie.roleARN, ":role/placeholder", ":role/deployer", 1)
	getPolicy := func() string {
		t.Helper()
		r := do(t, ie.httpc, http.MethodGet, ie.signedURL(t, http.MethodGet, "/life?policy", 0), nil, nil)
		wantOK(t, r, 200, nil)
		return string(r.body)
	}
	// carol still holds her grant and dave his trust: bound, not lost.
	// The ghost is shown as the bare ID it is bound to, as AWS shows a
	// principal that no longer exists.
	shown := getPolicy()
	if !strings.Contains(shown, ie.userARN("carol")) || strings.Contains(shown, ie.userARN("ghost")) || !strings.Contains(shown, `","AIDA`) {
		t.Errorf("legacy policy after start:\n%s", shown)
	}
	wantOK(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, carol, time.Hour), nil, nil), 200, ie.body)
	ie.assume(t, dave, deployer, "first", 0)

	// Delete and re-create each: the newcomers inherit nothing.
	ie.dropUser(t, "carol", carol)
	carol2 := ie.newUser(t, "carol")
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, carol2, time.Hour), nil, nil), 403, "AccessDenied")
	ghost := ie.newUser(t, "ghost")
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, ghost, time.Hour), nil, nil), 403, "AccessDenied")
	ie.dropUser(t, "dave", dave)
	dave2 := ie.newUser(t, "dave")
	ie.queryErr(t, "sts", dave2, 403, "AccessDenied", "Action", "AssumeRole", "RoleArn", deployer, "RoleSessionName", "second")

	// The binding ran once: a restart finds the store marked and the
	// policy as it was, its IDs unchanged.
	before := getPolicy()
	stop()
	ie, _ = startIdentityOn(t, dir, fake)
	if after := getPolicy(); after != before {
		t.Errorf("policy changed across a restart:\n got %s\nwant %s", after, before)
	}
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, carol2, time.Hour), nil, nil), 403, "AccessDenied")
}

// A federation token recorded only its user's name. One issued before the
// binding, to a user deleted and created again before the upgrade, must
// not act as the newcomer once the server binds it; one whose user
// stands keeps working.
func TestAdversarialIdentityLegacyFederationTokenBoundAtStart(t *testing.T) {
	dir, fake := t.TempDir(), clock.NewFake(t0)
	ie, stop := startIdentityOn(t, dir, fake)
	erin, fay := ie.newUser(t, "erin"), ie.newUser(t, "fay")
	for _, u := range []string{"erin", "fay"} {
		ie.iam(t, "Action", "PutUserPolicy", "UserName", u, "PolicyName", "all", "PolicyDocument", readAll)
	}
	fake.Set(t0.Add(time.Minute))
	federate := func(c sigv4.Credentials) sigv4.Credentials {
		t.Helper()
		var out struct {
			Result struct{ Credentials credsXML } `xml:"GetFederationTokenResult"`
		}
		ie.okCall(t, "sts", c, &out, "Action", "GetFederationToken", "Name", "fed", "Policy", readAll)
		return out.Result.Credentials.sig()
	}
	erinTok, fayTok := federate(erin), federate(fay)
	wantOK(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, erinTok, time.Hour), nil, nil), 200, ie.body)

	// Before the upgrade: erin is deleted and created again, with the
	// permissions she had.
	ie.iam(t, "Action", "DeleteUserPolicy", "UserName", "erin", "PolicyName", "all")
	ie.dropUser(t, "erin", erin)
	fake.Set(t0.Add(2 * time.Minute))
	ie.newUser(t, "erin")
	ie.iam(t, "Action", "PutUserPolicy", "UserName", "erin", "PolicyName", "all", "PolicyDocument", readAll)
	stop()

	// The tokens as the old code stored them: without their owner's ID.
	// A session record ends with it, one length byte and the ID (see
	// meta/bolt's TestLegacyRecordsWithoutOwnerIDs).
	owners := map[string]string{}
	makeLegacy(t, dir, func(st *bolt.Store) error {
		for _, id := range []string{erinTok.AccessKeyID, fayTok.AccessKeyID} {
			sess, err := st.GetSession(t.Context(), id)
			if err != nil {
				return err
			}
			owners[id] = sess.OwnerID
		}
		return nil
	}, func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("sessions"))
		for id, owner := range owners {
			v := b.Get([]byte(id))
			if err := b.Put([]byte(id), bytes.Clone(v[:len(v)-1-len(owner)])); err != nil {
				return err
			}
		}
		return nil
	})

	ie, _ = startIdentityOn(t, dir, fake)
	ie.wantInvalidToken(t, "legacy token of a re-created user", ie.presign(t, erinTok, time.Hour), erinTok)
	wantOK(t, do(t, ie.httpc, http.MethodGet, ie.presign(t, fayTok, time.Hour), nil, nil), 200, ie.body)
}
