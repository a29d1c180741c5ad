package meta

import (
	"bytes"
	"fmt"
)

// This file holds the listing walk shared by engines that can seek in key
// order (bbolt cursors, an SQL "key >= $1 ORDER BY key" query), so every
// engine rolls up common prefixes and pages in exactly the same way.

// PrefixEnd returns the smallest key greater than every key that starts
// with p: p with trailing 0xFF bytes dropped and its last byte incremented.
// It returns nil when no such key exists (p empty or all 0xFF), meaning
// "to the end of the key space".
func PrefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// KeyCursor is an ordered cursor over raw keys. The slices it returns need
// only stay valid until the next call.
type KeyCursor interface {
	// Seek moves to the first key >= k and returns it, or nil at the end.
	Seek(k []byte) []byte
	// Next moves to the following key and returns it, or nil at the end.
	Next() []byte
}

// WalkList applies q to the keys of c in order: keys outside q.Prefix are
// skipped, keys sharing a common prefix (up to and including the first
// q.Delimiter after q.Prefix) roll up into one entry, entries not strictly
// greater than q.After are skipped, and at most q.MaxKeys entries are
// passed to emit. A rolled-up prefix range is skipped with one Seek past
// its end, so a page costs O(MaxKeys) seeks however many keys sit under
// each common prefix.
//
// emit's key is only valid during the call. WalkList returns whether more
// entries follow the page and the last entry emitted ("" when none), which
// are ListPage.IsTruncated and ListPage.NextAfter.
func WalkList(c KeyCursor, q ListQuery, emit func(key []byte, commonPrefix bool) error) (truncated bool, last string, err error) {
	if q.MaxKeys < 0 {
		return false, "", fmt.Errorf("%w: negative MaxKeys %d", ErrInvalidArgument, q.MaxKeys)
	}
	if q.MaxKeys == 0 {
		return false, "", nil
	}
	prefix, after, delim := []byte(q.Prefix), []byte(q.After), []byte(q.Delimiter)
	// Start at whichever is later: the prefix range or After itself.
	start := prefix
	if bytes.Compare(after, prefix) > 0 {
		start = after
	}
	n := 0
	k := c.Seek(start)
	for k != nil && bytes.HasPrefix(k, prefix) {
		if len(delim) > 0 {
			if i := bytes.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				// A common prefix that is not after After is one an
				// earlier page already returned (or one After points
				// inside): skip its whole range either way.
				if bytes.Compare(cp, after) > 0 {
					if n == q.MaxKeys {
						return true, last, nil
					}
					if err := emit(cp, true); err != nil {
						return false, "", err
					}
					n++
					last = string(cp)
				}
				end := PrefixEnd(cp)
				if end == nil {
					break
				}
				k = c.Seek(end)
				continue
			}
		}
		if bytes.Compare(k, after) > 0 {
			if n == q.MaxKeys {
				return true, last, nil
			}
			if err := emit(k, false); err != nil {
				return false, "", err
			}
			n++
			last = string(k)
		}
		k = c.Next()
	}
	return false, last, nil
}
