package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

// ErrUnseal is returned when sealed bytes were altered, were sealed under
// another key, or belong to another record (a different associated name).
var ErrUnseal = errors.New("secret: cannot unseal")

// Sealer encrypts secrets at rest with AES-256-GCM under a key kept apart
// from the metadata store (a 0600 file in the data directory, or the
// environment), so that a copy of the store alone cannot sign as anyone.
// Each sealed value is bound to a name (the access key ID) as associated
// data, so a sealed secret cannot be moved to another key's record.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: sealing key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// GenerateKey returns a new random sealing key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

// Seal encrypts s for the record called name: nonce || ciphertext.
func (x *Sealer) Seal(s Secret, name string) ([]byte, error) {
	nonce := make([]byte, x.aead.NonceSize(), x.aead.NonceSize()+len(s.b)+x.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return x.aead.Seal(nonce, nonce, s.b, []byte(name)), nil
}

// Open decrypts what Seal returned for the same name.
func (x *Sealer) Open(sealed []byte, name string) (Secret, error) {
	n := x.aead.NonceSize()
	if len(sealed) < n+x.aead.Overhead() {
		return Secret{}, ErrUnseal
	}
	b, err := x.aead.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil {
		return Secret{}, ErrUnseal
	}
	return Secret{b: b}, nil
}
