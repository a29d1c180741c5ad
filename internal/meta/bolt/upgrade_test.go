package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/storage"
)

// updateFixture rewrites the checked-in store with this binary:
//
//	go test ./internal/meta/bolt -run TestUpgradeFixture -update-fixture
//
// Do it only when cutting a release whose store a later binary must read,
// into a new directory named by its schema version; the old ones stay.
var updateFixture = flag.Bool("update-fixture", false, "write testdata/store-v5/meta.db with this binary")

// fixtureFile is a store written by the release with schema version 5
// (testdata/store-v5/README.md says which commit).
var fixtureFile = filepath.Join("testdata", "store-v5", "meta.db")

// fixtureVersion is the schema version fixtureFile was written at.
const fixtureVersion = 5

// The records of the fixture: one of every kind the file holds.
var (
	fxTime    = time.Date(2026, 12, 1, 2, 3, 4, 567890123, time.UTC)
	fxUser    = meta.User{Name: "alice", ID: "AIDAFIXTUREALICE0001", Path: "/team/", Created: fxTime}
	fxKey     = meta.AccessKey{ID: "AKIAFIXTUREALICE0001", UserName: "alice", UserID: fxUser.ID, SealedSecret: []byte("sealed-secret-bytes"), Status: principal.KeyActive, Created: fxTime}
	fxOldKey  = meta.AccessKey{ID: "AKIAFIXTUREALICE0002", UserName: "alice", UserID: fxUser.ID, SealedSecret: []byte("old"), Status: principal.KeyActive, Created: fxTime}
	fxRole    = meta.Role{Name: "reader", ID: "AROAFIXTUREREADER001", Path: "/", Description: "reads photos", TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}`, MaxSessionDuration: 43200, Created: fxTime}
	fxPolicy  = meta.Policy{Name: "photos-read", ID: "ANPAFIXTUREPHOTOS001", Path: "/", Description: "read photos", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`, Created: fxTime, Updated: fxTime}
	fxPARN    = "arn:aws:iam::123456789012:policy/photos-read"
	fxInline  = meta.InlinePolicy{Name: "assume", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`}
	fxSession = meta.Session{AccessKeyID: "ASIAFIXTURESESSION01", SealedSecret: []byte("sealed"), TokenHash: bytes.Repeat([]byte{7}, 32),
		Kind: principal.SessionAssumedRole, ARN: "arn:aws:sts::123456789012:assumed-role/reader/demo", UserID: fxRole.ID + ":demo",
		OwnerID: fxRole.ID, RoleName: "reader", SessionName: "demo", SessionPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		SessionPolicyARNs: []string{fxPARN}, SourceAccessKeyID: fxKey.ID, Issued: fxTime, Expiry: fxTime.Add(12 * time.Hour), TerminatedAt: fxTime.Add(time.Hour)}
	fxBucketPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::photos/*","Condition":{"StringEquals":{"s3:signatureversion":"AWS"}}}]}`
	fxCORS         = `<CORSConfiguration><CORSRule><AllowedOrigin>http://localhost:8000</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`
	fxACL          = &meta.ACL{Grants: []meta.Grant{{Type: meta.GranteeCanonicalUser, ID: "abc123", Permission: "FULL_CONTROL"}}}
	fxPhotos       = meta.Bucket{Name: "photos", Region: "us-east-1", Created: fxTime, Versioning: meta.Unversioned,
		Tags: []meta.Tag{{Key: "team", Value: "web"}}, Ownership: meta.OwnershipPreferred,
		PublicAccessBlock: &meta.PublicAccessBlock{BlockPublicAcls: true, RestrictPublicBuckets: true}, ACL: fxACL}
	fxDocs = meta.Bucket{Name: "docs", Region: "us-east-1", Created: fxTime, Versioning: meta.VersioningEnabled}
	// fxCat is a file blob; fxReadme v1 and v2 are two versions, the
	// first inline (its bytes in the file), then a delete marker.
	fxCat = meta.Object{Bucket: "photos", Key: "yawning-cat.jpg", Size: 5, ETag: "5d41402abc4b2a76b9719d911017c592", LastModified: fxTime,
		Attrs:     meta.Attrs{ContentType: "image/jpeg", CacheControl: "max-age=60", UserMeta: map[string]string{"camera": "x100"}},
		Checksums: map[string]string{"CRC32": "NhCmhg=="}, ChecksumType: "FULL_OBJECT",
		Segments: []meta.Segment{{Blob: "0123456789abcdef0123456789abcdef", Size: 5, ETag: "5d41402abc4b2a76b9719d911017c592"}},
		Tags:     []meta.Tag{{Key: "kind", Value: "cat"}}, ACL: fxACL}
	fxReadme1  = "readme version 1"
	fxReadme2  = "readme version 2"
	fxUpload   = meta.Upload{Bucket: "photos", Key: "big.bin", ID: "fixture-upload-1", Initiated: fxTime, Attrs: meta.Attrs{ContentType: "application/octet-stream"}, ChecksumAlgorithm: "CRC32", ChecksumType: "COMPOSITE", Tags: []meta.Tag{{Key: "k", Value: "v"}}}
	fxPart     = meta.Part{Number: 1, Blob: "fedcba9876543210fedcba9876543210", Size: 5 << 20, ETag: "0123456789abcdef0123456789abcdef", LastModified: fxTime, Checksums: map[string]string{"CRC32": "AAAAAA=="}}
	fxDeletion = fxTime.Add(2 * time.Hour)
)

// writeFixture writes the fixture's records into a new store at path.
func writeFixture(t *testing.T, path string) {
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	s, err := Open(path)
	mustDo(t, "Open", err)
	defer s.Close()
	owner := meta.Owner{Kind: principal.OwnerUser, Name: "alice"}
	mustDo(t, "CreateUser", s.CreateUser(ctx, fxUser))
	mustDo(t, "CreateAccessKey", s.CreateAccessKey(ctx, fxKey, 2))
	mustDo(t, "CreateAccessKey old", s.CreateAccessKey(ctx, fxOldKey, 2))
	mustDo(t, "DeleteAccessKey old", s.DeleteAccessKey(ctx, "alice", fxOldKey.ID, fxDeletion))
	mustDo(t, "CreateRole", s.CreateRole(ctx, fxRole))
	mustDo(t, "CreatePolicy", s.CreatePolicy(ctx, fxPolicy))
	mustDo(t, "AttachPolicy", s.AttachPolicy(ctx, meta.Owner{Kind: principal.OwnerRole, Name: "reader"}, fxPARN))
	mustDo(t, "PutInlinePolicy", s.PutInlinePolicy(ctx, owner, fxInline))
	mustDo(t, "PutSession", s.PutSession(ctx, fxSession))
	mustDo(t, "CreateBucket photos", s.CreateBucket(ctx, meta.Bucket{Name: "photos", Region: "us-east-1", Created: fxTime}))
	mustDo(t, "UpdateBucket photos", s.UpdateBucket(ctx, "photos", func(b *meta.Bucket) error {
		b.Ownership, b.PublicAccessBlock, b.ACL = fxPhotos.Ownership, fxPhotos.PublicAccessBlock, fxPhotos.ACL
		return nil
	}))
	mustDo(t, "PutBucketTags", s.PutBucketTags(ctx, "photos", fxPhotos.Tags))
	mustDo(t, "PutBucketPolicy", s.PutBucketPolicy(ctx, "photos", fxBucketPolicy))
	mustDo(t, "PutBucketCORS", s.PutBucketCORS(ctx, "photos", fxCORS))
	cat := fxCat
	cat.Tags, cat.ACL = nil, nil
	_, err = s.PutObject(ctx, cat, nil)
	mustDo(t, "PutObject cat", err)
	mustDo(t, "PutObjectTags", s.PutObjectTags(ctx, "photos", fxCat.Key, fxCat.Tags))
	mustDo(t, "SetObjectACL", s.SetObjectACL(ctx, "photos", fxCat.Key, fxCat.ACL))
	mustDo(t, "CreateUpload", s.CreateUpload(ctx, fxUpload))
	_, err = s.PutPart(ctx, "photos", fxUpload.Key, fxUpload.ID, fxPart)
	mustDo(t, "PutPart", err)
	mustDo(t, "CreateBucket docs", s.CreateBucket(ctx, meta.Bucket{Name: "docs", Region: "us-east-1", Created: fxTime}))
	mustDo(t, "SetBucketVersioning", s.SetBucketVersioning(ctx, "docs", meta.VersioningEnabled))
	for i, body := range []string{fxReadme1, fxReadme2} {
		id := s.StageBlob([]byte(body))
		o := readmeVersion(i+1, id, body)
		_, err := s.PutObject(ctx, o, nil)
		mustDo(t, "PutObject readme", err)
	}
	_, err = s.PutDeleteMarker(ctx, "docs", "readme.txt", "fixture-version-3", fxDeletion)
	mustDo(t, "PutDeleteMarker", err)
}

func readmeVersion(n int, blob storage.BlobID, body string) meta.Object {
	return meta.Object{Bucket: "docs", Key: "readme.txt", Size: int64(len(body)), ETag: strings.Repeat(string(rune('0'+n)), 32),
		LastModified: fxTime.Add(time.Duration(n) * time.Minute), Attrs: meta.Attrs{ContentType: "text/plain"},
		Segments:  []meta.Segment{{Blob: blob, Size: int64(len(body)), ETag: strings.Repeat(string(rune('0'+n)), 32)}},
		VersionID: "fixture-version-" + string(rune('0'+n))}
}

// TestUpgradeFixture opens a copy of a store written by an earlier release
// with this binary and reads every record back: while schemaVersion is
// the fixture's, it proves the layout did not change under it; once
// schemaVersion is bumped, it proves the in-place upgrade keeps every
// record.
func TestUpgradeFixture(t *testing.T) {
	if *updateFixture {
		writeFixture(t, fixtureFile)
	}
	path := copyFixture(t)
	if v := fileVersion(t, path); v != fixtureVersion {
		t.Fatalf("%s has schema version %d, want %d: regenerate it only into a new directory", fixtureFile, v, fixtureVersion)
	}
	s, err := Open(path)
	mustDo(t, "Open the fixture", err)
	defer s.Close()
	ctx := context.Background()
	check := func(what string, got any, err error, want any) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", what, g, w)
		}
	}
	u, err := s.GetUser(ctx, "alice")
	check("user", u, err, fxUser)
	k, err := s.GetAccessKey(ctx, fxKey.ID)
	check("access key", k, err, fxKey)
	dk, err := s.GetDeletedAccessKey(ctx, fxOldKey.ID)
	check("deleted access key", dk, err, meta.DeletedAccessKey{ID: fxOldKey.ID, UserName: "alice", UserID: fxUser.ID, Deleted: fxDeletion})
	r, err := s.GetRole(ctx, "reader")
	check("role", r, err, fxRole)
	p, err := s.GetPolicy(ctx, "photos-read")
	check("managed policy", p, err, fxPolicy)
	att, err := s.ListAttachedPolicies(ctx, meta.Owner{Kind: principal.OwnerRole, Name: "reader"})
	check("attached policies", att, err, []string{fxPARN})
	n, err := s.PolicyAttachments(ctx, fxPARN)
	check("policy attachments", n, err, 1)
	ip, err := s.GetInlinePolicy(ctx, meta.Owner{Kind: principal.OwnerUser, Name: "alice"}, "assume")
	check("inline policy", ip, err, fxInline)
	ss, err := s.GetSession(ctx, fxSession.AccessKeyID)
	check("session", ss, err, fxSession)
	b, err := s.GetBucket(ctx, "photos")
	check("bucket photos", b, err, fxPhotos)
	b, err = s.GetBucket(ctx, "docs")
	check("bucket docs", b, err, fxDocs)
	bp, err := s.GetBucketPolicy(ctx, "photos")
	check("bucket policy", bp, err, fxBucketPolicy)
	cors, err := s.GetBucketCORS(ctx, "photos")
	check("bucket CORS", cors, err, fxCORS)
	o, err := s.GetObject(ctx, "photos", fxCat.Key)
	check("object", o, err, fxCat)
	up, err := s.GetUpload(ctx, "photos", fxUpload.Key, fxUpload.ID)
	check("upload", up, err, fxUpload)
	parts, _, err := s.ListParts(ctx, "photos", fxUpload.Key, fxUpload.ID, 0, 10)
	check("parts", parts, err, []meta.Part{fxPart})
	vp, err := s.ListObjectVersions(ctx, "docs", meta.VersionQuery{MaxKeys: 10})
	if err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if len(vp.Versions) != 3 || !vp.Versions[0].DeleteMarker || vp.Versions[0].VersionID != "fixture-version-3" {
		t.Fatalf("versions of docs/readme.txt: %+v, want a delete marker over two versions", vp.Versions)
	}
	for i, body := range []string{fxReadme2, fxReadme1} {
		v := vp.Versions[i+1]
		want := readmeVersion(2-i, v.Segments[0].Blob, body)
		got, err := s.GetObjectVersion(ctx, "docs", "readme.txt", want.VersionID)
		check("version "+want.VersionID, got, err, want)
		data, err := s.InlineBlob(ctx, v.Segments[0].Blob)
		check("inline bytes of "+want.VersionID, string(data), err, body)
	}
	if _, err := s.GetObject(ctx, "docs", "readme.txt"); !errors.Is(err, meta.ErrNoSuchKey) {
		t.Errorf("current readme.txt under its delete marker: %v, want ErrNoSuchKey", err)
	}
	var blobs []string
	mustDo(t, "WalkBlobs", s.WalkBlobs(ctx, func(id storage.BlobID) error { blobs = append(blobs, string(id)); return nil }))
	if len(blobs) != 4 {
		t.Errorf("referenced blobs %v, want the cat's, the part's and two inline ones", blobs)
	}
	if v := fileVersionOpen(t, s); v != schemaVersion {
		t.Errorf("schema version after Open = %d, want %d", v, schemaVersion)
	}
}

// TestNewerStoreRefused is an older binary meeting a newer store: a copy
// of the fixture claiming the version after this binary's. Open must say
// which file, which version it found and which it supports, tell the
// operator to upgrade signet, and leave the file as it was.
func TestNewerStoreRefused(t *testing.T) {
	path := copyFixture(t)
	db, err := bbolt.Open(path, 0o600, nil)
	mustDo(t, "bbolt.Open", err)
	mustDo(t, "set a newer version", db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bktSchema).Put(keyVersion, binary.AppendUvarint(nil, schemaVersion+1))
	}))
	mustDo(t, "close", db.Close())
	before, err := os.ReadFile(path)
	mustDo(t, "read", err)

	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open of a newer store succeeded")
	}
	if !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("error %v is not ErrUnsupportedVersion", err)
	}
	msg := err.Error()
	for _, want := range []string{path, fmt.Sprintf("schema version %d", schemaVersion+1), fmt.Sprintf("supports versions 1 to %d", schemaVersion), "upgrade signet"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	after, err := os.ReadFile(path)
	mustDo(t, "read", err)
	if !bytes.Equal(before, after) {
		t.Error("the refused Open changed the file")
	}
}

// copyFixture copies the checked-in store to a temporary file: Open
// writes to what it opens, and the fixture must stay as released.
func copyFixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(fixtureFile)
	if err != nil {
		t.Fatalf("the fixture store: %v (write it with -update-fixture)", err)
	}
	path := filepath.Join(t.TempDir(), "meta.db")
	mustDo(t, "copy the fixture", os.WriteFile(path, b, 0o600))
	return path
}

// fileVersion reads the schema version of a closed store file.
func fileVersion(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	mustDo(t, "bbolt.Open", err)
	defer db.Close()
	var v uint64
	mustDo(t, "read version", db.View(func(tx *bbolt.Tx) error {
		v, _ = binary.Uvarint(tx.Bucket(bktSchema).Get(keyVersion))
		return nil
	}))
	return v
}

func fileVersionOpen(t *testing.T, s *Store) uint64 {
	t.Helper()
	var v uint64
	mustDo(t, "read version", s.db.View(func(tx *bbolt.Tx) error {
		v, _ = binary.Uvarint(tx.Bucket(bktSchema).Get(keyVersion))
		return nil
	}))
	return v
}
