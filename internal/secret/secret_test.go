package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	s := New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s)} {
		if strings.Contains(out, "EXAMPLEKEY") {
			t.Fatalf("secret printed: %s", out)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s)
	if strings.Contains(buf.String(), "EXAMPLEKEY") {
		t.Fatalf("secret logged: %s", buf.String())
	}
	j, _ := json.Marshal(struct{ S Secret }{s})
	if strings.Contains(string(j), "EXAMPLEKEY") {
		t.Fatalf("secret marshalled: %s", j)
	}
}

func TestEqualAndGenerate(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate()
	if len(a.Reveal()) != 40 {
		t.Fatalf("length %d", len(a.Reveal()))
	}
	if a.Equal(b) || !a.Equal(New(a.Reveal())) {
		t.Fatal("Equal is wrong")
	}
}

// AppendTo copies: what it returns may be changed without changing the
// secret.
func TestAppendToCopies(t *testing.T) {
	s := New("wJalrXUtnFEMI")
	b := s.AppendTo([]byte("AWS4"))
	if string(b) != "AWS4wJalrXUtnFEMI" || s.Len() != len("wJalrXUtnFEMI") {
		t.Fatalf("AppendTo %q, Len %d", b, s.Len())
	}
	b[4] = 'X'
	if s.Reveal() != "wJalrXUtnFEMI" {
		t.Errorf("changing AppendTo's result changed the secret: %q", s.Reveal())
	}
}
