package secret

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealRoundTripAndBinding(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	s := New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	sealed, err := x.Seal(s, "AKIAEXAMPLE")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(s.Reveal())) {
		t.Fatal("sealed bytes contain the plaintext")
	}
	got, err := x.Open(sealed, "AKIAEXAMPLE")
	if err != nil || !got.Equal(s) {
		t.Fatalf("Open = %v, %v", got, err)
	}
	if _, err := x.Open(sealed, "AKIAOTHER"); !errors.Is(err, ErrUnseal) {
		t.Fatalf("open under another name: %v, want ErrUnseal", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := x.Open(sealed, "AKIAEXAMPLE"); !errors.Is(err, ErrUnseal) {
		t.Fatalf("open of altered bytes: %v, want ErrUnseal", err)
	}
	other, _ := GenerateKey()
	y, _ := NewSealer(other)
	sealed2, _ := x.Seal(s, "K")
	if _, err := y.Open(sealed2, "K"); !errors.Is(err, ErrUnseal) {
		t.Fatalf("open under another key: %v", err)
	}
	if _, err := x.Open([]byte{1, 2}, "K"); !errors.Is(err, ErrUnseal) {
		t.Fatalf("short input: %v", err)
	}
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
}
