package inspect

import (
	"encoding/json"
	"io"
	"time"

	"signet/internal/adminwire"
)

// jsonScope is the credential scope in a JSON report.
type jsonScope struct {
	Date    string `json:"date"`
	Region  string `json:"region"`
	Service string `json:"service"`
}

// jsonReport is the JSON report. Its field order is part of the contract
// (scripts diff it), and every field is always present, null when unknown.
type jsonReport struct {
	Verdict            string               `json:"verdict"`
	Reason             string               `json:"reason"`
	Message            string               `json:"message"`
	Source             string               `json:"source"`
	Now                time.Time            `json:"now"`
	ExpiresAt          *time.Time           `json:"expires_at"`
	EffectiveExpiresAt *time.Time           `json:"effective_expires_at"`
	LimitedBy          *string              `json:"limited_by"`
	Principal          *adminwire.Principal `json:"principal"`

	Endpoint             *string           `json:"endpoint"`
	Host                 *string           `json:"host"`
	Bucket               *string           `json:"bucket"`
	Key                  *string           `json:"key"`
	Style                *string           `json:"style"`
	SignatureVersion     *string           `json:"signature_version"`
	Algorithm            *string           `json:"algorithm"`
	AccessKeyID          *string           `json:"access_key_id"`
	KeyKind              *string           `json:"key_kind"`
	Scope                *jsonScope        `json:"scope"`
	SignedAt             *time.Time        `json:"signed_at"`
	ExpiresInSeconds     *int64            `json:"expires_in_seconds"`
	SignedHeaders        []string          `json:"signed_headers"`
	SecurityTokenPresent bool              `json:"security_token_present"`
	ResponseOverrides    map[string]string `json:"response_overrides"`
	OtherParameters      map[string]string `json:"other_parameters"`
	Signature            *string           `json:"signature"`
	Fingerprint          *string           `json:"fingerprint"`
	Notes                []string          `json:"notes"`

	// The request the canonical request was rebuilt for, and the result
	// (session token redacted).
	Method           string  `json:"method"`
	CanonicalRequest *string `json:"canonical_request"`
	StringToSign     *string `json:"string_to_sign"`

	Server      *adminwire.Explanation `json:"server"`
	ServerError *string                `json:"server_error"`
}

// WriteJSON writes the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	j := jsonReport{
		Verdict: r.Verdict(),
		Reason:  r.Reason(),
		Message: r.Offline.Message,
		Source:  r.Source(),
		Now:     r.Now.UTC(),
		Method:  r.Method,
		Notes:   []string{},
	}
	if r.ServerError != "" {
		j.ServerError = &r.ServerError
	}
	if r.URL != nil {
		r.jsonParts(&j)
	}
	if e := r.redactedServer(); e != nil {
		j.Message = e.Message
		j.Now = e.Now.UTC()
		j.ExpiresAt = utc(e.ExpiresAt)
		j.EffectiveExpiresAt = utc(e.EffectiveExpiresAt)
		j.LimitedBy = nil
		if e.LimitedBy != "" {
			j.LimitedBy = &e.LimitedBy
		}
		j.Principal = e.Principal
		j.Server = e
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // ARNs, keys and messages print as they are
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

func (r *Report) jsonParts(j *jsonReport) {
	u := r.URL
	j.Endpoint, j.Host, j.Bucket, j.Key = &u.Endpoint, &u.Host, &u.Bucket, &u.Key
	style := string(u.Style)
	j.Style = &style
	if u.Version == "" {
		return
	}
	version, kind := string(u.Version), string(u.KeyKind)
	j.SignatureVersion, j.Algorithm = &version, &u.Algorithm
	if u.AccessKeyID != "" {
		j.AccessKeyID, j.KeyKind = &u.AccessKeyID, &kind
	}
	if u.Version == SigV4 {
		if u.Scope.Date != "" {
			j.Scope = &jsonScope{Date: u.Scope.Date, Region: u.Scope.Region, Service: u.Scope.Service}
		}
		if !u.SignedAt.IsZero() {
			j.SignedAt = &u.SignedAt
		}
		if !u.ExpiresAt.IsZero() {
			j.ExpiresInSeconds = &u.ExpiresIn
		}
	}
	j.SignedHeaders = u.SignedHeaders
	j.SecurityTokenPresent = u.HasSecurityToken()
	j.ResponseOverrides = params(u.ResponseOverrides)
	j.OtherParameters = params(u.OtherParams)
	if u.Signature != "" {
		j.Signature = &u.Signature
		fp := u.Fingerprint()
		j.Fingerprint = &fp
	}
	j.Notes = append(j.Notes, u.Notes...)
	if r.ParseErr != nil {
		return
	}
	if !u.ExpiresAt.IsZero() {
		end := u.ExpiresAt
		j.ExpiresAt = &end
		// Offline, a temporary credential's end is unknown: the window is
		// only an upper bound, so neither the effective end nor what
		// limits it can be stated.
		if !u.HasSecurityToken() {
			j.EffectiveExpiresAt = &end
			limit := "url"
			j.LimitedBy = &limit
		}
	}
	if c := r.Rebuilt; c.StringToSign != "" {
		sts := u.Redact(c.StringToSign)
		j.StringToSign = &sts
		if c.Request != "" {
			creq := u.Redact(c.Request)
			j.CanonicalRequest = &creq
		}
	}
}

func params(ps []Param) map[string]string {
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// redactedServer is the server's explanation with every session token in
// its texts replaced by a fingerprint; nil when there is none. Everything
// printed from the explanation goes through it.
func (r *Report) redactedServer() *adminwire.Explanation {
	if r.Server == nil {
		return nil
	}
	return redactExplanation(r.Server, r.URL.Redact)
}

// redactExplanation copies e with every session token in its texts
// replaced by a fingerprint.
func redactExplanation(e *adminwire.Explanation, redact func(string) string) *adminwire.Explanation {
	c := *e
	c.Message = redact(c.Message)
	if e.Error != nil {
		ee := *e.Error
		ee.Message = redact(ee.Message)
		c.Error = &ee
	}
	if e.Signature != nil {
		s := *e.Signature
		for _, f := range []*string{&s.CanonicalRequest, &s.SignedCanonicalRequest, &s.StringToSign, &s.SignedStringToSign, &s.Hint} {
			*f = redact(*f)
		}
		c.Signature = &s
	}
	return &c
}
