package storage

import "testing"

func TestNewBlobIDValidAndDistinct(t *testing.T) {
	seen := make(map[BlobID]bool)
	for range 1000 {
		id := NewBlobID()
		if !id.Valid() {
			t.Fatalf("NewBlobID() = %q, not Valid", id)
		}
		if seen[id] {
			t.Fatalf("NewBlobID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestBlobIDValid(t *testing.T) {
	good := NewBlobID()
	for _, tc := range []struct {
		id   BlobID
		want bool
	}{
		{good, true},
		{"0123456789abcdefghijklmnop", true},
		{"qrstuvwxyz0123456789abcdef", true},
		{"", false},
		{".", false},
		{"..", false},
		{good[:25], false},
		{good + "0", false},
		{"0123456789ABCDEFGHIJKLMNOP", false},
		{"../../../../etc/passwd0000", false},
		{"0123456789abcdefghijklm/op", false},
		{"0123456789abcdefghijklm\\op", false},
		{"0123456789abcdefghijklm\x00op", false},
		{"0123456789abcdefghijklm.op", false},
		{"0123456789abcdefghijklm op", false},
		{"0123456789abcdefghijklmné", false}, // 26 bytes, not 26 ASCII chars
	} {
		if got := tc.id.Valid(); got != tc.want {
			t.Errorf("BlobID(%q).Valid() = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestInlineBlobIDs(t *testing.T) {
	seen := make(map[BlobID]bool)
	var prev BlobID
	for _, seq := range []uint64{0, 1, 2, 31, 32, 1 << 20, 1<<63 - 1, 1 << 63, 1<<64 - 1} {
		id := NewInlineBlobID(seq)
		if !id.Valid() || !id.Inline() {
			t.Fatalf("NewInlineBlobID(%d) = %q: Valid %v, Inline %v; want both", seq, id, id.Valid(), id.Inline())
		}
		if got, ok := id.InlineSeq(); !ok || got != seq {
			t.Fatalf("InlineSeq(%q) = %d, %v; want %d", id, got, ok, seq)
		}
		// IDs sort in sequence order, which keeps the metadata store's
		// inserts at the end of its index.
		if prev != "" && id <= prev {
			t.Fatalf("NewInlineBlobID(%d) = %q sorts before %q", seq, id, prev)
		}
		prev = id
		if again := NewInlineBlobID(seq); again == id || seen[again] {
			t.Fatalf("NewInlineBlobID(%d) repeated %q: the random part must tell reused sequence numbers apart", seq, id)
		}
		seen[id] = true
	}
	for range 1000 {
		if id := NewBlobID(); id.Inline() {
			t.Fatalf("NewBlobID() = %q counts as inline", id)
		}
	}
	for _, id := range []BlobID{"", "z", "z0123456789abcdefghijklm/o", "Z0123456789abcdefghijklmno"} {
		if id.Inline() {
			t.Errorf("BlobID(%q).Inline() = true, want false", id)
		}
		if _, ok := id.InlineSeq(); ok {
			t.Errorf("BlobID(%q).InlineSeq() ok, want not", id)
		}
	}
}
