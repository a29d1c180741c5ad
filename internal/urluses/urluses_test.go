package urluses

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/sigprint"
)

var (
	t0    = time.Date(2026, 12, 7, 5, 0, 0, 0, time.UTC)
	link  = sigprint.Of(sigprint.V4, strings.Repeat("ab", 32))
	other = sigprint.Of(sigprint.V4, strings.Repeat("cd", 32))
)

func use(i int) Use {
	return Use{At: t0.Add(time.Duration(i) * time.Second), Client: netip.AddrFrom4([4]byte{127, 0, 0, byte(i%250 + 1)}), Method: "GET",
		Status: 200, Bytes: int64(i), Outcome: "ok", Operation: "GetObject", AccessKeyID: "AKIAEXAMPLE"}
}

// manual is a store whose writer does not run: the test flushes.
func manual(t *testing.T, dir string, maxSize int64, files, queueLen int) *Store {
	t.Helper()
	s, err := newStore(dir, maxSize, files, queueLen)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cur.Close() })
	return s
}

func wantUses(t *testing.T, s *Store, p sigprint.Print, limit int, want ...int) {
	t.Helper()
	got, err := s.Uses(p, limit)
	if err != nil {
		t.Fatal(err)
	}
	var gotIdx []int
	for _, u := range got {
		gotIdx = append(gotIdx, int(u.Bytes))
	}
	if fmt.Sprint(gotIdx) != fmt.Sprint(want) {
		t.Errorf("Uses(limit %d) = uses %v, want %v (most recent first)", limit, gotIdx, want)
	}
}

// TestUsesNewestFirstOfOneLinkOnly: the query returns the newest uses of
// the link asked, most recent first, up to the limit, and none of
// another link's; a use comes back with every field it was stored with.
func TestUsesNewestFirstOfOneLinkOnly(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		s.Add(link, use(i))
		s.Add(other, use(100+i))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantUses(t, s, link, 50, 5, 4, 3, 2, 1)
	wantUses(t, s, link, 2, 5, 4)
	wantUses(t, s, other, 1, 105)
	wantUses(t, s, sigprint.Of(sigprint.V2, "never used"), 10)
	got, _ := s.Uses(link, 1)
	if want := use(5); len(got) != 1 || got[0] != want {
		t.Errorf("the use read back = %+v, want %+v", got, want)
	}
}

// TestCloseFlushes: uses queued when Close is called are on disk after
// it, in a file of mode 0600 in a directory of mode 0700, and a store
// opened again on the directory finds them.
func TestCloseFlushes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "url-uses")
	// The ticker never fires within the test: only Close writes.
	s, err := open(dir, MaxFileBytes, Files, QueueLen, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s.Add(link, use(1))
	s.Add(link, use(2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Add(link, use(3)) // after Close: dropped, not written
	for path, mode := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", path, st.Mode().Perm(), mode)
		}
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	wantUses(t, again, link, 10, 2, 1)
	if s.Dropped() != 1 {
		t.Errorf("Dropped() = %d after one use added to a closed store, want 1", s.Dropped())
	}
}

// TestFullQueueDropsAndCounts: Add never waits for the writer; a use that
// finds the queue full is dropped and counted, and the queued ones are
// still written.
func TestFullQueueDropsAndCounts(t *testing.T) {
	s, err := newStore(t.TempDir(), MaxFileBytes, Files, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		s.Add(link, use(i)) // no writer yet: only two fit
	}
	if s.Dropped() != 3 {
		t.Errorf("Dropped() = %d, want 3", s.Dropped())
	}
	go s.run(time.Hour)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantUses(t, s, link, 10, 2, 1)
}

// TestRotationBoundsTheStore: past the size limit the file is rotated;
// at most files files are kept, none much over the limit, the oldest
// uses go first, and the query reads across the files it kept.
func TestRotationBoundsTheStore(t *testing.T) {
	dir := t.TempDir()
	const limit, files = 1000, 3
	s := manual(t, dir, limit, files, 10)
	const n = 100
	for i := 1; i <= n; i++ {
		s.flush(appendLine(nil, entry{link, use(i)}))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, e := range names {
		info, _ := e.Info()
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		lines += strings.Count(string(b), "\n")
		if info.Size() > limit {
			t.Errorf("%s holds %d bytes, over the limit %d", e.Name(), info.Size(), limit)
		}
		if !strings.HasPrefix(e.Name(), FileName) || e.Name() == FileName+"."+fmt.Sprint(files) {
			t.Errorf("unexpected file %s", e.Name())
		}
	}
	if len(names) != files {
		t.Errorf("%d files kept, want %d", len(names), files)
	}
	got, err := s.Uses(link, n)
	if err != nil {
		t.Fatal(err)
	}
	// Every use in the files comes back, newest first and contiguous.
	if len(got) != lines || len(got) < (files-1)*limit/300 || len(got) >= n {
		t.Fatalf("%d uses read back from %d lines kept (of %d written)", len(got), lines, n)
	}
	for i, u := range got {
		if u.Bytes != int64(n-i) {
			t.Fatalf("use %d read back is use %d, want %d", i, u.Bytes, n-i)
		}
	}
	// The limit cuts across files.
	wantUses(t, s, link, 3, 100, 99, 98)
}

// TestTornLineIsSkipped: a last line cut short by a crash is skipped when
// read, and a store opened again after it starts a line of its own, so
// the uses before and after the tear are all found.
func TestTornLineIsSkipped(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Add(link, use(1))
	s.Add(link, use(2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	whole := appendLine(nil, entry{link, use(3)})
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(whole[:len(whole)/2]) // the crash
	f.Close()
	wantUses(t, s, link, 10, 2, 1)

	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	again.Add(link, use(4))
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	wantUses(t, again, link, 10, 4, 2, 1)
}

// A use queued a moment ago is listed: Uses has the writer write out
// what is queued first, however far off its next flush.
func TestUsesSeesWhatIsQueued(t *testing.T) {
	s, err := open(t.TempDir(), MaxFileBytes, Files, QueueLen, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := sigprint.Of(sigprint.V4, "queued")
	s.Add(p, Use{Method: "GET", Status: 200})
	got, err := s.Uses(p, 10)
	if err != nil || len(got) != 1 || got[0].Status != 200 {
		t.Fatalf("Uses = %+v, %v; want the queued use", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Uses(p, 10); err != nil || len(got) != 1 {
		t.Fatalf("after Close: %+v, %v", got, err)
	}
}

// appendLine writes what encoding/json writes for a line, and what it
// writes reads back as the use, for every field and odd strings too.
func TestAppendLineIsJSON(t *testing.T) {
	odd := Use{At: t0.Add(123456789), Client: netip.MustParseAddr("2001:db8::7"), Method: "GET", Status: 403, Bytes: -1,
		Outcome: "url_revoked", ErrorCode: "Access\"Denied\\", Operation: "Get<Object>&", PrincipalARN: "arn:aws:iam::1:user/ä\x01", AccessKeyID: "AKIA"}
	for _, u := range []Use{use(7), odd, {}} {
		got := appendLine(nil, entry{link, u})
		want, err := json.Marshal(line{Print: link.String(), Use: u})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want)+"\n" {
			t.Errorf("appendLine:\n got %s\nwant %s", got, want)
		}
		var back line
		if err := json.Unmarshal(got, &back); err != nil || back.Use != u || back.Print != link.String() {
			t.Errorf("read back %+v, %v; want %+v", back, err, u)
		}
	}
}

// TestReplayOfOneLinkIsCapped: a link replayed past PerLinkPerMinute in
// a minute keeps only that many of its uses, counted as suppressed, and
// another link's use in the same minute is kept; the next minute counts
// afresh.
func TestReplayOfOneLinkIsCapped(t *testing.T) {
	s, err := open(t.TempDir(), MaxFileBytes, Files, 2*PerLinkPerMinute+10, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	minute := t0.Truncate(time.Minute)
	for i := range PerLinkPerMinute + 5 {
		s.Add(link, Use{At: minute.Add(time.Duration(i) * time.Millisecond), Bytes: int64(i)})
	}
	s.Add(other, Use{At: minute.Add(time.Second), Bytes: 1})
	s.Add(link, Use{At: minute.Add(time.Minute), Bytes: -1})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.Suppressed() != 5 || s.Dropped() != 0 {
		t.Errorf("Suppressed() = %d, Dropped() = %d; want 5 and 0", s.Suppressed(), s.Dropped())
	}
	got, err := s.Uses(link, 2*PerLinkPerMinute)
	if err != nil || len(got) != PerLinkPerMinute+1 || got[0].Bytes != -1 || got[1].Bytes != PerLinkPerMinute-1 {
		t.Fatalf("%d uses kept (%v), newest %+v", len(got), err, got[:min(2, len(got))])
	}
	wantUses(t, s, other, 10, 1)
}
