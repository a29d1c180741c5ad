package presign

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"signet/internal/atomicfile"
	"signet/internal/clock"
)

// The AWS CLI keeps the credentials of every role it assumes for a profile
// in a file of its own, and uses them again while they last, so that a
// shell loop of commands makes one AssumeRole call (and asks for one MFA
// code), not one per command. signet presign reads and writes the same
// files in the same format, so a session either of them assumed serves
// both. aws-sdk-go-v2 has no such file cache; this is it.

// RoleCacheProviderName is the Source of credentials read from the AWS
// CLI's role cache rather than from a fresh AssumeRole.
const RoleCacheProviderName = "AWSCLIRoleCache"

// RoleCacheMargin is how long before their expiry cached role credentials
// stop being used: the AWS CLI's (botocore's) refresh window for assumed
// roles, so that both tools give up on an entry at the same moment.
const RoleCacheMargin = 15 * time.Minute

// RoleCacheDir is where the AWS CLI caches assumed-role credentials:
// ~/.aws/cli/cache under the user's home directory, whatever
// AWS_CONFIG_FILE says (the AWS CLI does not move it either).
func RoleCacheDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".aws", "cli", "cache"), nil
}

// RoleArgs are the AssumeRole arguments a role profile configures; the AWS
// CLI names a profile's cache file after them. A session name or duration
// the profile leaves unset is not part of the name (the AWS CLI generates
// a session name afresh each time).
type RoleArgs struct {
	RoleARN         string
	RoleSessionName string // role_session_name
	ExternalID      string // external_id
	SerialNumber    string // mfa_serial
	DurationSeconds int64  // duration_seconds; 0 when unset
}

// roleArgsOf reads the arguments from the profile the SDK loaded.
func roleArgsOf(sc config.SharedConfig) RoleArgs {
	a := RoleArgs{RoleARN: sc.RoleARN, RoleSessionName: sc.RoleSessionName, ExternalID: sc.ExternalID, SerialNumber: sc.MFASerial}
	// The SDK reads a duration_seconds that is not a number as 0; the AWS
	// CLI ignores it, so both leave it out of the name.
	if sc.RoleDurationSeconds != nil {
		a.DurationSeconds = int64(*sc.RoleDurationSeconds / time.Second)
	}
	return a
}

// CacheKey is the name (without ".json") of the cache file for these
// arguments: the hex SHA-1 of the arguments as the AWS CLI serialises them,
// a JSON object with sorted keys written by Python's json.dumps (", " and
// ": " between items, non-ASCII escaped as \uXXXX).
func (a RoleArgs) CacheKey() string {
	var fields []string // already in sorted key order
	if a.DurationSeconds != 0 {
		fields = append(fields, pyJSONString("DurationSeconds")+": "+strconv.FormatInt(a.DurationSeconds, 10))
	}
	if a.ExternalID != "" {
		fields = append(fields, pyJSONString("ExternalId")+": "+pyJSONString(a.ExternalID))
	}
	fields = append(fields, pyJSONString("RoleArn")+": "+pyJSONString(a.RoleARN))
	if a.RoleSessionName != "" {
		fields = append(fields, pyJSONString("RoleSessionName")+": "+pyJSONString(a.RoleSessionName))
	}
	if a.SerialNumber != "" {
		fields = append(fields, pyJSONString("SerialNumber")+": "+pyJSONString(a.SerialNumber))
	}
	sum := sha1.Sum([]byte("{" + strings.Join(fields, ", ") + "}"))
	return hex.EncodeToString(sum[:])
}

// pyJSONString quotes s as Python's json.dumps does by default (ASCII
// only): the cache key hashes those exact bytes, so Go's encoder, which
// keeps UTF-8 and escapes <, > and &, would name another file.
func pyJSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// roleCacheEntry is a cache file: the AssumeRole response as the AWS CLI
// stores it. The AWS CLI reads only Credentials; the rest is kept so that
// the file is the response it would have written.
type roleCacheEntry struct {
	Credentials struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
		AccountID       string `json:"AccountId,omitempty"`
	}
	AssumedRoleUser *struct {
		AssumedRoleID string `json:"AssumedRoleId"`
		Arn           string
	} `json:",omitempty"`
	ResponseMetadata *struct {
		RequestID      string `json:"RequestId"`
		HTTPStatusCode int
	} `json:",omitempty"`
}

// parseCacheExpiration reads an Expiration as either tool writes it: ISO
// 8601 with Z or an offset (signet; the AWS CLI, which by default keeps
// STS's own text), or with the zone named "UTC", as botocore writes a
// parsed UTC time (AWS CLI with cli_timestamp_format = iso8601). Any other
// zone name is ambiguous and the entry is not used.
func parseCacheExpiration(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if local, ok := strings.CutSuffix(s, "UTC"); ok {
		return time.Parse("2006-01-02T15:04:05.999999999", local)
	}
	return time.Time{}, fmt.Errorf("expiration %q is not an ISO 8601 time", s)
}

var errCacheUnusable = errors.New("presign: cached role credentials are incomplete")

// readRoleCache returns the credentials of the cache file at path if it
// holds credentials with more than RoleCacheMargin left at now. A missing,
// unreadable, corrupt or incomplete file counts as no entry: it is
// replaced when the role is assumed again.
func readRoleCache(path string, now time.Time) (aws.Credentials, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return aws.Credentials{}, false
	}
	var e roleCacheEntry
	if json.Unmarshal(data, &e) != nil {
		return aws.Credentials{}, false
	}
	c := e.Credentials
	expires, err := parseCacheExpiration(c.Expiration)
	if err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		return aws.Credentials{}, false
	}
	// As the AWS CLI judges it: usable while at least the margin is left.
	if expires.Sub(now) < RoleCacheMargin {
		return aws.Credentials{}, false
	}
	return aws.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		CanExpire: true, Expires: expires, AccountID: c.AccountID, Source: RoleCacheProviderName,
	}, true
}

// writeRoleCache stores an AssumeRole response at path, 0600 in a 0700
// directory, replacing the file atomically so that a tool reading it at
// the same moment sees the old entry or the new, never half of one.
func writeRoleCache(path string, out *sts.AssumeRoleOutput) error {
	e, err := roleCacheEntryOf(out)
	if err != nil {
		return err
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

func roleCacheEntryOf(out *sts.AssumeRoleOutput) (*roleCacheEntry, error) {
	c := out.Credentials
	if c == nil || c.Expiration == nil || aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretAccessKey) == "" {
		return nil, errCacheUnusable
	}
	e := &roleCacheEntry{}
	e.Credentials.AccessKeyID = aws.ToString(c.AccessKeyId)
	e.Credentials.SecretAccessKey = aws.ToString(c.SecretAccessKey)
	e.Credentials.SessionToken = aws.ToString(c.SessionToken)
	e.Credentials.Expiration = c.Expiration.UTC().Format(time.RFC3339)
	if u := out.AssumedRoleUser; u != nil {
		e.AssumedRoleUser = &struct {
			AssumedRoleID string `json:"AssumedRoleId"`
			Arn           string
		}{aws.ToString(u.AssumedRoleId), aws.ToString(u.Arn)}
		// The AWS CLI adds the account, from the ARN, to what it caches.
		if parts := strings.SplitN(aws.ToString(u.Arn), ":", 6); len(parts) == 6 {
			e.Credentials.AccountID = parts[4]
		}
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); ok {
		e.ResponseMetadata = &struct {
			RequestID      string `json:"RequestId"`
			HTTPStatusCode int
		}{id, 200}
	}
	return e, nil
}

// assumeRoleResponses keeps the AssumeRole responses the SDK's providers
// received, by role ARN: stscreds hands on only the credentials, and the
// cache file holds the whole response.
type assumeRoleResponses struct {
	// now is this machine's clock, read as each call is sent.
	now   func() time.Time
	mu    sync.Mutex
	byARN map[string]*sts.AssumeRoleOutput
	// ahead is, by access key ID, how far the issuer's clock ran ahead of
	// now when it issued the credentials (see issuerAhead).
	ahead map[string]time.Duration
}

// clockNoise is the error of issuerAhead's measure: Expiration is to the
// second, and the call takes time. A smaller difference reads as none.
const clockNoise = 2 * time.Second

// issuerAhead is how far the issuer's clock ran ahead of this machine's
// when it answered a call sent at sent: it issued the session at
// Expiration - DurationSeconds by its own clock (AssumeRole refuses a
// duration it would not grant, it never shortens one).
func issuerAhead(in *sts.AssumeRoleInput, out *sts.AssumeRoleOutput, sent time.Time) (time.Duration, bool) {
	if in.DurationSeconds == nil || out.Credentials == nil || out.Credentials.Expiration == nil {
		return 0, false
	}
	issued := out.Credentials.Expiration.Add(-time.Duration(*in.DurationSeconds) * time.Second)
	d := issued.Sub(sent).Round(time.Second)
	if d > -clockNoise && d < clockNoise {
		d = 0
	}
	return d, true
}

// issuerAheadOf returns what issuerAhead measured for the credentials
// with access key ID id, 0 if this run did not assume them.
func (r *assumeRoleResponses) issuerAheadOf(id string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ahead[id]
}

// wrap records the responses of client's successful AssumeRole calls.
func (r *assumeRoleResponses) wrap(client stscreds.AssumeRoleAPIClient) stscreds.AssumeRoleAPIClient {
	return assumeRoleRecorder{next: client, into: r}
}

func (r *assumeRoleResponses) get(roleARN string) *sts.AssumeRoleOutput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byARN[roleARN]
}

type assumeRoleRecorder struct {
	next stscreds.AssumeRoleAPIClient
	into *assumeRoleResponses
}

func (c assumeRoleRecorder) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	now := c.into.now
	if now == nil {
		now = clock.Real{}.Now
	}
	sent := now()
	out, err := c.next.AssumeRole(ctx, in, optFns...)
	if err == nil && out != nil {
		c.into.mu.Lock()
		if c.into.byARN == nil {
			c.into.byARN = map[string]*sts.AssumeRoleOutput{}
			c.into.ahead = map[string]time.Duration{}
		}
		c.into.byARN[aws.ToString(in.RoleArn)] = out
		if d, ok := issuerAhead(in, out, sent); ok {
			c.into.ahead[aws.ToString(out.Credentials.AccessKeyId)] = d
		}
		c.into.mu.Unlock()
	}
	return out, err
}

// RoleCache is an aws.CredentialsProvider for a role profile that answers
// from the AWS CLI's cache file while its credentials last, and otherwise
// retrieves them from Next (which assumes the role) and rewrites the file.
type RoleCache struct {
	Next aws.CredentialsProvider
	// Path is the cache file, RoleCacheDir()/RoleArgs.CacheKey()+".json".
	Path string
	// Now judges whether a cached entry still has RoleCacheMargin left.
	Now func() time.Time
	// Response returns the AssumeRole response behind credentials Next
	// just returned, to be written to the file; a nil Response, or one
	// returning nil, writes nothing.
	Response func() *sts.AssumeRoleOutput
}

// Retrieve returns cached credentials (Source RoleCacheProviderName) or
// Next's. A cache that cannot be written costs only a later AssumeRole,
// so that failure is not the caller's.
func (c *RoleCache) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if creds, ok := readRoleCache(c.Path, c.Now()); ok {
		return creds, nil
	}
	creds, err := c.Next.Retrieve(ctx)
	if err != nil {
		return creds, err
	}
	if c.Response == nil {
		return creds, nil
	}
	if out := c.Response(); out != nil && out.Credentials != nil && aws.ToString(out.Credentials.AccessKeyId) == creds.AccessKeyID {
		_ = writeRoleCache(c.Path, out)
	}
	return creds, nil
}

// withRoleCache puts the AWS CLI's role cache in front of p when p assumes
// the role of profile sc (role_arn with source_profile or
// credential_source), the credentials the AWS CLI caches; any other p is
// returned as it is.
func withRoleCache(p aws.CredentialsProvider, sc config.SharedConfig, now func() time.Time, responses *assumeRoleResponses) aws.CredentialsProvider {
	if sc.RoleARN == "" || !aws.IsCredentialsProvider(p, (*stscreds.AssumeRoleProvider)(nil)) {
		return p
	}
	path, err := roleCachePath(sc)
	if err != nil {
		return p // no home directory: no cache, as for the AWS CLI
	}
	if now == nil {
		now = clock.Real{}.Now
	}
	return &RoleCache{Next: p, Path: path, Now: now, Response: func() *sts.AssumeRoleOutput { return responses.get(sc.RoleARN) }}
}

// roleCachePath is the cache file of profile sc's role.
func roleCachePath(sc config.SharedConfig) (string, error) {
	dir, err := RoleCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, roleArgsOf(sc).CacheKey()+".json"), nil
}
