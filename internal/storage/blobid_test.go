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
