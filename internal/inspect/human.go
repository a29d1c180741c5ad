package inspect

import (
	"fmt"
	"time"
)

// Human prints a duration for people: at most two units, largest first,
// truncated towards zero ("45s", "12m5s", "3h12m", "2d4h", "2d"), so a
// remaining time is never overstated. The sign is dropped: callers say
// "ago" or "in". Below a second it is "<1s" (or "0s" for exactly zero).
func Human(d time.Duration) string {
	if d < 0 {
		d = -d
		if d < 0 { // math.MinInt64 has no positive counterpart
			d = 1<<63 - 1
		}
	}
	if d == 0 {
		return "0s"
	}
	if d < time.Second {
		return "<1s"
	}
	const day = 24 * time.Hour
	units := []struct {
		size time.Duration
		name string
	}{{day, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.size {
			continue
		}
		s := fmt.Sprintf("%d%s", d/u.size, u.name)
		if i+1 < len(units) {
			next := units[i+1]
			if n := (d % u.size) / next.size; n > 0 {
				s += fmt.Sprintf("%d%s", n, next.name)
			}
		}
		return s
	}
	return "0s" // unreachable: d >= 1s matches the seconds unit
}
