package sigv2

import (
	"math"
	"testing"
	"time"
)

// TestExpiryTimeKeepsOrder: every Expires converts to a time that orders
// as the number does, up to the largest int64 (time.Unix alone wraps
// those around to the distant past).
func TestExpiryTimeKeepsOrder(t *testing.T) {
	values := []int64{math.MinInt64, -1, 0, 1175139620, 253402300799, math.MaxInt64 - 62135596800, math.MaxInt64 - 62135596799, math.MaxInt64}
	for i := 1; i < len(values); i++ {
		a, b := ExpiryTime(values[i-1]), ExpiryTime(values[i])
		if b.Before(a) {
			t.Errorf("ExpiryTime(%d) = %s is before ExpiryTime(%d) = %s", values[i], b, values[i-1], a)
		}
	}
	if got := ExpiryTime(1175139620); !got.Equal(time.Unix(1175139620, 0)) {
		t.Errorf("ExpiryTime(1175139620) = %s", got)
	}
	if now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC); !ExpiryTime(math.MaxInt64).After(now) {
		t.Error("the largest Expires is in the past")
	}
}
