package adminapi_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"signet/internal/adminapi"
	"signet/internal/adminwire"
)

// storedOffset reads what a restarted server would resume from.
func (f *fixture) storedOffset(t *testing.T) time.Duration {
	t.Helper()
	d, err := f.engine.DevClockOffset(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every move of the dev clock is stored with the data, so a restart
// resumes the same offset; reset stores 0 and brings back real time.
func TestClockMovesAreStored(t *testing.T) {
	f := newFixture(t, true)
	decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"12h0m1s"}`))
	decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"1d"}`))
	if got, want := f.storedOffset(t), 36*time.Hour+time.Second; got != want {
		t.Fatalf("stored offset %v, want %v", got, want)
	}
	v := decode[adminwire.Clock](t, f.do(t, "POST", "clock/reset", ""))
	if !v.Now.Equal(t0) || !v.Real.Equal(t0) || v.Offset != "0s" || v.OffsetSeconds != 0 || !v.DevClock {
		t.Errorf("after reset: %+v", v)
	}
	if f.clk.Shift() != 0 || f.storedOffset(t) != 0 {
		t.Errorf("after reset: clock shift %v, stored %v; want both 0", f.clk.Shift(), f.storedOffset(t))
	}
	if !slices.Contains(f.authz.calls, "signet:ResetClock *") {
		t.Errorf("authorizer calls %v", f.authz.calls)
	}
	// A reset clock moves forward again from real time.
	v = decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"2h"}`))
	if !v.Now.Equal(t0.Add(2*time.Hour)) || f.storedOffset(t) != 2*time.Hour {
		t.Errorf("advance after reset: %+v, stored %v", v, f.storedOffset(t))
	}
}

func TestClockResetNeedsDevClock(t *testing.T) {
	f := newFixture(t, false)
	wantError(t, f.do(t, "POST", "clock/reset", ""), http.StatusConflict, "DevClockDisabled")
	if f.storedOffset(t) != 0 {
		t.Errorf("stored %v", f.storedOffset(t))
	}
}

// failingClockStore refuses every write, as a full disk would.
type failingClockStore struct{}

func (failingClockStore) DevClockOffset(context.Context) (time.Duration, error) { return 0, nil }
func (failingClockStore) SetDevClockOffset(context.Context, time.Duration) error {
	return errors.New("disk full")
}

// A move the store could not keep is not made: the server must never run
// on an offset a restart would forget.
func TestClockMoveNotStoredIsNotMade(t *testing.T) {
	f := newFixture(t, true)
	decode[adminwire.Clock](t, f.do(t, "POST", "clock/advance", `{"duration":"3h"}`))
	f.api = mustNew(t, adminapi.Config{Clock: f.clk, DevClock: true, ClockStore: failingClockStore{}, Store: f.store, Authz: f.authz})
	for _, path := range []string{"clock/advance", "clock/reset"} {
		e := wantError(t, f.do(t, "POST", path, `{"duration":"1h"}`), http.StatusInternalServerError, "InternalError")
		if e.RequestID != "req-42" {
			t.Errorf("%s: request ID %q", path, e.RequestID)
		}
		if f.clk.Shift() != 3*time.Hour {
			t.Errorf("%s: clock shift %v, want 3h (unchanged)", path, f.clk.Shift())
		}
	}
}
