package authn

import (
	"context"
	"errors"
	"sync"
	"time"

	"signet/internal/principal"
	"signet/internal/secret"
)

// ErrUnknownKey is returned by a KeyStore for an access key ID it does not
// know (never issued, deleted, or inactive).
var ErrUnknownKey = errors.New("authn: unknown access key")

// Credential is what a KeyStore knows about an access key.
type Credential struct {
	AccessKeyID string
	Secret      secret.Secret
	// TokenHash is the SHA-256 of the session token of temporary (ASIA)
	// credentials; requests must carry the token. Nil for long-term keys.
	// Only the hash is kept so the store never holds a usable token.
	TokenHash []byte
	// Expiry is when temporary credentials expire; zero for long-term keys.
	Expiry time.Time
	// Terminated is set when the session was ended early; its requests
	// fail as expired.
	Terminated bool
	// OwnerGone is set for a session whose user or role no longer exists
	// under the unique ID it was issued for: deleted, or deleted and
	// created again under the same name. AWS binds a session to that ID,
	// so it must not act as the newcomer; its requests fail as an invalid
	// token.
	OwnerGone bool
	Principal principal.Principal
}

// Temporary reports whether c is an STS session's credential.
func (c *Credential) Temporary() bool { return c.TokenHash != nil }

// KeyStore looks up access keys.
type KeyStore interface {
	Lookup(ctx context.Context, accessKeyID string) (*Credential, error)
}

// StaticKeys is a KeyStore over a fixed set of credentials (the root
// credentials, and tests).
type StaticKeys struct {
	mu   sync.RWMutex
	keys map[string]*Credential
}

// NewStaticKeys returns a KeyStore holding creds.
func NewStaticKeys(creds ...*Credential) *StaticKeys {
	s := &StaticKeys{keys: make(map[string]*Credential, len(creds))}
	for _, c := range creds {
		s.keys[c.AccessKeyID] = c
	}
	return s
}

// Put adds or replaces a credential.
func (s *StaticKeys) Put(c *Credential) {
	s.mu.Lock()
	s.keys[c.AccessKeyID] = c
	s.mu.Unlock()
}

// Lookup implements KeyStore.
func (s *StaticKeys) Lookup(_ context.Context, id string) (*Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c, ok := s.keys[id]; ok {
		return c, nil
	}
	return nil, ErrUnknownKey
}
