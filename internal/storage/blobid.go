package storage

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
)

// blobIDLen is the length of IDs made by NewBlobID: 16 random bytes in
// base32 without padding.
const blobIDLen = 26

// idEncoding is base32 with the "extended hex" alphabet in lower case, so
// IDs are [0-9a-v] only: safe as file names on every file system,
// case-insensitive ones included, and never "." or "..".
var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// NewBlobID returns a fresh ID of 128 random bits from crypto/rand, so
// engines need no coordination (nor a lock) to avoid collisions. IDs are
// not time-ordered on purpose: the disk engine fans out on the first two
// characters, and random prefixes spread blobs evenly over directories.
func NewBlobID() BlobID {
	var b [16]byte
	// crypto/rand.Read never returns an error (it crashes the program
	// instead when the kernel cannot supply randomness).
	_, _ = rand.Read(b[:])
	return BlobID(idEncoding.EncodeToString(b[:]))
}

// Valid reports whether id has the shape NewBlobID makes: exactly 26
// characters of [0-9a-z]. Engines check it before an ID comes anywhere near
// a path, as defence in depth: IDs come from the metadata store, but nothing
// that passes this check can name a directory, a parent or a separator.
func (id BlobID) Valid() bool {
	if len(id) != blobIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// inlineMark starts every inline blob ID and no other: NewBlobID's alphabet
// stops at 'v', so the two kinds of ID can never be confused.
const inlineMark = 'z'

// NewInlineBlobID returns the ID of a blob kept in the metadata store
// (package storage/inline): 'z', seq as 13 characters that sort in seq
// order, then 12 random characters. seq makes IDs made one after another
// sort one after another, so the metadata store appends them to its index
// instead of writing all over it; the random part keeps IDs distinct when a
// restarted process reuses a sequence number that was handed out but never
// committed.
func NewInlineBlobID(seq uint64) BlobID {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	var r [8]byte
	_, _ = rand.Read(r[:]) // never fails; see NewBlobID
	return BlobID(string(inlineMark) + idEncoding.EncodeToString(b[:]) + idEncoding.EncodeToString(r[:])[:12])
}

// Inline reports whether id names an inline blob (see NewInlineBlobID).
func (id BlobID) Inline() bool {
	return id.Valid() && id[0] == inlineMark
}

// InlineSeq returns the sequence number of an inline blob ID.
func (id BlobID) InlineSeq() (uint64, bool) {
	if !id.Inline() {
		return 0, false
	}
	b, err := idEncoding.DecodeString(string(id[1:14]))
	if err != nil || len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}
