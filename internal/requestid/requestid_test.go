package requestid

import (
	"regexp"
	"testing"
)

func TestNewShape(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-F]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if !shape.MatchString(id) {
			t.Fatalf("New() = %q, want 16 upper-case hex digits (x-amz-request-id's shape)", id)
		}
		if seen[id] {
			t.Fatalf("New() repeated %q within 1000 calls", id)
		}
		seen[id] = true
	}
	if got := FromContext(With(t.Context(), "ABC")); got != "ABC" {
		t.Errorf("FromContext(With(ABC)) = %q", got)
	}
	if got := FromContext(t.Context()); got != "" {
		t.Errorf("FromContext(empty) = %q, want \"\"", got)
	}
}
