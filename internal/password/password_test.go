package password

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// cheap keeps the tests light: the parameters travel in the hash, so
// verification uses whatever a hash names.
var cheap = Params{Time: 1, Memory: 64, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q does not state its parameters", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Error("hash holds the password")
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horsE": false, "": false, "correct horse ": false} {
		ok, err := Verify(pw, h)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

// Two hashes of one password differ (a fresh salt each time) and both
// verify.
func TestSaltIsFresh(t *testing.T) {
	a, _ := Hash("pw", cheap)
	b, _ := Hash("pw", cheap)
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	salt := strings.Split(a, "$")[4]
	if n := len(salt); n != 22 { // 16 bytes, unpadded base64
		t.Errorf("salt %q is %d characters, want 22 (16 bytes)", salt, n)
	}
}

// A hash made under other parameters still verifies: they are read from
// the hash, not from Default.
func TestParamsTravelInHash(t *testing.T) {
	other := Params{Time: 2, Memory: 128, Threads: 2}
	h, err := Hash("pw", other)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ParamsOf(h); err != nil || p != other {
		t.Errorf("ParamsOf = %+v, %v; want %+v", p, err, other)
	}
	if ok, err := Verify("pw", h); !ok || err != nil {
		t.Errorf("Verify under other parameters = %v, %v", ok, err)
	}
}

func TestDefaultParams(t *testing.T) {
	if Default.Memory != 64*1024 || Default.Time < 1 || Default.Time > 3 || Default.Threads != 2 {
		t.Errorf("Default = %+v, want 64 MiB, 1..3 passes, 2 lanes", Default)
	}
}

func TestMalformed(t *testing.T) {
	good, _ := Hash("pw", cheap)
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1$" + parts[4],
		"$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$c2hvcnQ",
	} {
		ok, err := Verify("pw", h)
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want ErrMalformed", h, ok, err)
		}
	}
	if _, err := Hash("pw", Params{}); err == nil {
		t.Error("Hash with zero parameters succeeded")
	}
}

// TestDerivationsAreBounded: however many hashes are asked for at once,
// at most MaxConcurrent are derived at a time.
func TestDerivationsAreBounded(t *testing.T) {
	var in, peak atomic.Int32
	release := make(chan struct{})
	onDerive = func() {
		n := in.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		in.Add(-1)
	}
	defer func() { onDerive = nil }()
	cheap := Params{Time: 1, Memory: 8, Threads: 1}
	var wg sync.WaitGroup
	for range 3 * MaxConcurrent {
		wg.Go(func() {
			if _, err := Hash("pw", cheap); err != nil {
				t.Error(err)
			}
		})
	}
	// Let every goroutine reach a slot or wait for one, then release
	// them one by one.
	for range 3 * MaxConcurrent {
		release <- struct{}{}
	}
	wg.Wait()
	if p := peak.Load(); p < 1 || p > MaxConcurrent {
		t.Fatalf("%d derivations at once, want at most %d", p, MaxConcurrent)
	}
}
