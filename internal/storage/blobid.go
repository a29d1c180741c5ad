package storage

import (
	"crypto/rand"
	"encoding/base32"
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
