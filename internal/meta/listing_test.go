package meta

import (
	"bytes"
	"fmt"
	"sort"
	"testing"
)

func TestPrefixEnd(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", "b"},
		{"a/", "a0"},
		{"a\xff", "b"},
		{"a\xff\xff", "b"},
		{"\xff", ""},
		{"", ""},
		{"ab\x00", "ab\x01"},
	} {
		got := PrefixEnd([]byte(c.in))
		if string(got) != c.want || (c.want == "" && got != nil) {
			t.Errorf("PrefixEnd(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// The input is not modified.
	in := []byte("ab")
	PrefixEnd(in)
	if string(in) != "ab" {
		t.Errorf("PrefixEnd modified its input: %q", in)
	}
}

// sliceCursor is a KeyCursor over sorted keys that counts its moves.
type sliceCursor struct {
	keys         [][]byte
	i            int
	seeks, nexts int
}

func (c *sliceCursor) Seek(k []byte) []byte {
	c.seeks++
	c.i = sort.Search(len(c.keys), func(i int) bool { return bytes.Compare(c.keys[i], k) >= 0 })
	return c.at()
}

func (c *sliceCursor) Next() []byte {
	c.nexts++
	c.i++
	return c.at()
}

func (c *sliceCursor) at() []byte {
	if c.i >= len(c.keys) {
		return nil
	}
	return c.keys[c.i]
}

// TestWalkListSeeks: rolling up 100 prefixes over 100k keys costs about
// one seek per prefix, not a scan of the keys under them.
func TestWalkListSeeks(t *testing.T) {
	c := &sliceCursor{}
	for d := range 100 {
		for f := range 1000 {
			c.keys = append(c.keys, fmt.Appendf(nil, "d%03d/f%04d", d, f))
		}
	}
	var cps int
	truncated, last, err := WalkList(c, ListQuery{Delimiter: "/", MaxKeys: 1000}, func(k []byte, cp bool) error {
		if cp {
			cps++
		}
		return nil
	})
	if err != nil || truncated || last != "d099/" || cps != 100 {
		t.Fatalf("WalkList = %v, %q, %v with %d prefixes", truncated, last, err, cps)
	}
	if c.seeks > 101 || c.nexts > 0 {
		t.Errorf("%d seeks and %d nexts for 100 prefixes", c.seeks, c.nexts)
	}

	// Paging from inside a prefix jumps straight past it.
	c.seeks, c.nexts = 0, 0
	truncated, last, _ = WalkList(c, ListQuery{Delimiter: "/", After: "d050/f0500", MaxKeys: 2}, func([]byte, bool) error { return nil })
	if !truncated || last != "d052/" || c.seeks > 4 {
		t.Errorf("paging from inside a prefix: truncated %v last %q after %d seeks", truncated, last, c.seeks)
	}
}
