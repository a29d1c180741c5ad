package sealed

import (
	"bytes"
	"crypto/rand"
)

// Rotation of the sealing key re-wraps each blob's data key under the new
// key's KEK: only the header changes (its KEK id, wrap nonce and wrapped
// key), never a chunk, so no object byte is rewritten.

// HeaderSize is the size of a sealed blob's header, the part Rewrap
// rewrites.
const HeaderSize = headerSize

// RewrapResult says what Rewrap did with a header.
type RewrapResult int

const (
	// Rewrapped: the data key was under from and is now under to.
	Rewrapped RewrapResult = iota
	// AlreadyRewrapped: the data key is under to already (a rotation
	// resumed after a crash).
	AlreadyRewrapped
	// NotServerSealed: the blob is plaintext written before encryption,
	// or sealed under a customer's key (SSE-C), which the server's
	// sealing key never wrapped.
	NotServerSealed
)

// Rewrap returns head, the first HeaderSize bytes of a blob, with its data
// key unwrapped by from and wrapped by to under a fresh nonce, or says why
// there is nothing to do. head is not modified. A header wrapped by a key
// that is neither is ErrUnknownKey; one whose wrap does not authenticate,
// ErrCorrupt.
func Rewrap(head []byte, from, to *KEK) ([]byte, RewrapResult, error) {
	if len(head) < headerSize || !bytes.Equal(head[:magicSize], magic[:]) {
		return nil, NotServerSealed, nil
	}
	var kid [8]byte
	copy(kid[:], head[idOff:chunkOff])
	switch kid {
	case customerKEKID:
		return nil, NotServerSealed, nil
	case to.id:
		return nil, AlreadyRewrapped, nil
	case from.id:
	default:
		return nil, 0, ErrUnknownKey
	}
	dk, err := from.aead.Open(nil, head[nonceOff:wrappedOff], head[wrappedOff:headerSize], head[:nonceOff])
	if err != nil {
		return nil, 0, ErrCorrupt
	}
	defer clear(dk)
	out := make([]byte, headerSize)
	copy(out, head[:headerSize])
	copy(out[idOff:chunkOff], to.id[:])
	// crypto/rand.Read never fails (it crashes the program instead).
	_, _ = rand.Read(out[nonceOff:wrappedOff])
	to.aead.Seal(out[wrappedOff:wrappedOff], out[nonceOff:wrappedOff], dk, out[:nonceOff])
	return out, Rewrapped, nil
}
