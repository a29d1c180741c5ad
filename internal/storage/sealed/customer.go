package sealed

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"

	"signet/internal/storage"
)

// SSE-C: a blob sealed under a key its client sends with every request.
// The format is the same; only the key that wraps the blob's data key
// differs. It is derived with HKDF-SHA256 from the customer's key, salted
// with the blob's random identity, so one customer key never wraps two
// blobs under the same derived key. The header names it by a fixed KEK id
// (customerKEKID) instead of a server key's id. The customer key is never
// stored: opening the blob needs it again, and a rotation of the server's
// sealing key leaves such blobs alone (it never wrapped them).

// CustomerKeySize is the size of an SSE-C key: AES-256.
const CustomerKeySize = 32

// customerKEKID marks a header whose data key is wrapped by a key derived
// from the customer's. A server KEK's id is an HKDF output, which this
// fixed value matches with probability 2^-64.
var customerKEKID = [8]byte{'s', 's', 'e', '-', 'c', 0, 0, 1}

var (
	// ErrCustomerKeyRequired: the blob is sealed under a customer's key
	// and was opened without one.
	ErrCustomerKeyRequired = errors.New("sealed: blob needs the customer's key")
	// ErrNotCustomerSealed: a customer's key was given for a blob not
	// sealed under one.
	ErrNotCustomerSealed = errors.New("sealed: blob is not sealed under a customer key")
	// ErrCustomerKeySize: a customer key is not 32 bytes.
	ErrCustomerKeySize = errors.New("sealed: a customer key is 32 bytes")
)

// customerKEK derives the key that wraps the data key of the blob named by
// identity from a customer's key.
func customerKEK(customerKey, identity []byte) (*KEK, error) {
	if len(customerKey) != CustomerKeySize {
		return nil, ErrCustomerKeySize
	}
	key, err := hkdf.Key(sha256.New, customerKey, identity, "signet sse-c kek v1", 32)
	if err != nil {
		return nil, err
	}
	aead, err := newGCM(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	return &KEK{id: customerKEKID, aead: aead}, nil
}

// kekFor is the KEK a header names: a server KEK, or for a blob sealed
// under a customer key, the one derived from customerKey.
func (e *Engine) kekFor(id [8]byte, identity, customerKey []byte) (*KEK, error) {
	if id == customerKEKID {
		if customerKey == nil {
			return nil, ErrCustomerKeyRequired
		}
		return customerKEK(customerKey, identity)
	}
	if customerKey != nil {
		return nil, ErrNotCustomerSealed
	}
	kek, known := e.keks[id]
	if !known {
		return nil, ErrUnknownKey
	}
	return kek, nil
}

// PutCustomer stores r sealed under customerKey (SSE-C): only a request
// bearing the same key can open it.
func (e *Engine) PutCustomer(ctx context.Context, r io.Reader, customerKey []byte) (storage.BlobID, int64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	if len(customerKey) != CustomerKeySize {
		return "", 0, ErrCustomerKeySize
	}
	return e.put(ctx, r, &KEK{id: customerKEKID, customer: customerKey})
}

// OpenCustomer opens a blob sealed by PutCustomer. A wrong key fails the
// data key's unwrap, which cannot be told from a tampered header:
// ErrCorrupt (check the key with a KeyCheck first for a clear answer).
func (e *Engine) OpenCustomer(ctx context.Context, id storage.BlobID, customerKey []byte) (storage.Blob, error) {
	if len(customerKey) != CustomerKeySize {
		return nil, ErrCustomerKeySize
	}
	return e.openWith(ctx, id, customerKey)
}

// keyCheckSalt is the size of a KeyCheck's random salt.
const keyCheckSalt = 16

// NewKeyCheck returns a randomly salted HMAC-SHA256 of a customer's key,
// what the metadata keeps to tell later requests whether they bring the
// same key, as S3 does; it reveals nothing that opens the blob.
func NewKeyCheck(customerKey []byte) []byte {
	salt := make([]byte, keyCheckSalt)
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(salt)
	return append(salt, keyMAC(salt, customerKey)...)
}

// KeyMatches reports, in constant time, whether customerKey is the key
// check was made from.
func KeyMatches(check, customerKey []byte) bool {
	if len(check) != keyCheckSalt+sha256.Size {
		return false
	}
	return hmac.Equal(check[keyCheckSalt:], keyMAC(check[:keyCheckSalt], customerKey))
}

func keyMAC(salt, customerKey []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte("signet sse-c key check v1\x00"))
	m.Write(customerKey)
	return m.Sum(nil)
}

// NewKeyCheck is the package's NewKeyCheck, for callers that hold the
// engine behind an interface.
func (e *Engine) NewKeyCheck(customerKey []byte) []byte { return NewKeyCheck(customerKey) }

// KeyMatches is the package's KeyMatches, for callers that hold the
// engine behind an interface.
func (e *Engine) KeyMatches(check, customerKey []byte) bool { return KeyMatches(check, customerKey) }
