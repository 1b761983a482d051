package cron

import (
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The next fire times of Quartz's documented examples and of each special
// character, from a few starting points.
func TestNext(t *testing.T) {
	for _, tc := range []struct {
		expr, zone, after string
		want              []string // the next fire times, in order; none: never
	}{
		{"0 0 12 * * ?", "UTC", "2025-03-10T08:00:00Z", []string{"2025-03-10T12:00:00Z", "2025-03-11T12:00:00Z"}},
		{"0 0 12 * * ?", "UTC", "2025-03-10T12:00:00Z", []string{"2025-03-11T12:00:00Z"}}, // strictly after
		{"0 * * * * ?", "UTC", "2025-03-10T08:00:30Z", []string{"2025-03-10T08:01:00Z", "2025-03-10T08:02:00Z"}},
		{"* * * * * ?", "UTC", "2025-03-10T08:00:30.5Z", []string{"2025-03-10T08:00:31Z", "2025-03-10T08:00:32Z"}},
		{"0 0/5 * * * ?", "UTC", "2025-03-10T08:03:00Z", []string{"2025-03-10T08:05:00Z", "2025-03-10T08:10:00Z"}},
		{"10 0/5 * * * ?", "UTC", "2025-03-10T08:00:10Z", []string{"2025-03-10T08:05:10Z"}},
		{"0 */15 9-10 ? * MON-FRI", "UTC", "2025-03-07T10:50:00Z", // a Friday
			[]string{"2025-03-10T09:00:00Z", "2025-03-10T09:15:00Z"}},
		{"0 30 10-13 ? * WED,FRI", "UTC", "2025-03-10T00:00:00Z", // Monday
			[]string{"2025-03-12T10:30:00Z", "2025-03-12T11:30:00Z", "2025-03-12T12:30:00Z", "2025-03-12T13:30:00Z", "2025-03-14T10:30:00Z"}},
		{"0 0/30 8-9 5,20 * ?", "UTC", "2025-03-05T09:30:00Z", []string{"2025-03-20T08:00:00Z"}},
		{"0 15 10 ? * 6L", "UTC", "2025-03-01T00:00:00Z", []string{"2025-03-28T10:15:00Z", "2025-04-25T10:15:00Z"}},  // last Friday
		{"0 15 10 ? * 6#3", "UTC", "2025-03-01T00:00:00Z", []string{"2025-03-21T10:15:00Z", "2025-04-18T10:15:00Z"}}, // third Friday
		{"0 15 10 L * ?", "UTC", "2025-02-01T00:00:00Z", []string{"2025-02-28T10:15:00Z", "2025-03-31T10:15:00Z"}},
		{"0 15 10 L * ?", "UTC", "2024-02-01T00:00:00Z", []string{"2024-02-29T10:15:00Z"}}, // a leap year
		{"0 15 10 L-2 * ?", "UTC", "2025-02-01T00:00:00Z", []string{"2025-02-26T10:15:00Z"}},
		{"0 0 0 LW * ?", "UTC", "2025-05-01T00:00:00Z", []string{"2025-05-30T00:00:00Z", "2025-06-30T00:00:00Z"}},  // May 31 is a Saturday
		{"0 0 0 15W * ?", "UTC", "2025-03-01T00:00:00Z", []string{"2025-03-14T00:00:00Z", "2025-04-15T00:00:00Z"}}, // March 15 is a Saturday
		{"0 0 0 1W * ?", "UTC", "2025-02-01T00:00:00Z", []string{"2025-02-03T00:00:00Z"}},                          // Feb 1 is a Saturday: Monday the 3rd
		{"0 0 0 31W * ?", "UTC", "2025-04-01T00:00:00Z", []string{"2025-05-30T00:00:00Z"}},                         // no April 31; May 31 a Saturday
		{"0 0 0 ? * L", "UTC", "2025-03-10T00:00:00Z", []string{"2025-03-15T00:00:00Z"}},                           // L alone: Saturday
		{"0 0 22-2 * * ?", "UTC", "2025-03-10T03:00:00Z", []string{"2025-03-10T22:00:00Z", "2025-03-10T23:00:00Z", "2025-03-11T00:00:00Z", "2025-03-11T01:00:00Z", "2025-03-11T02:00:00Z", "2025-03-11T22:00:00Z"}},
		{"0 0 0 ? * FRI-MON", "UTC", "2025-03-11T00:00:00Z", []string{"2025-03-14T00:00:00Z", "2025-03-15T00:00:00Z", "2025-03-16T00:00:00Z", "2025-03-17T00:00:00Z", "2025-03-21T00:00:00Z"}},
		{"0 0 0 1 JAN,jul ?", "UTC", "2025-03-10T00:00:00Z", []string{"2025-07-01T00:00:00Z", "2026-01-01T00:00:00Z"}},
		{"0 0 0 29 2 ?", "UTC", "2025-01-01T00:00:00Z", []string{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
		{"0 0 0 1 1 ? 2027", "UTC", "2025-01-01T00:00:00Z", []string{"2027-01-01T00:00:00Z"}},
		{"0 0 0 1 1 ? 2027-2028", "UTC", "2027-06-01T00:00:00Z", []string{"2028-01-01T00:00:00Z"}},
		{"0 0 0 1 1 ? 2020", "UTC", "2025-01-01T00:00:00Z", nil},
		{"0 0 0 30 2 ?", "UTC", "2025-01-01T00:00:00Z", nil},
		{"0 0 0 ? 2 2#5", "UTC", "2025-01-01T00:00:00Z", []string{"2044-02-29T00:00:00Z"}}, // a fifth Monday in February
		// On the zone's wall clock.
		{"0 0 9 * * ?", "America/New_York", "2025-01-15T00:00:00Z", []string{"2025-01-15T14:00:00Z", "2025-01-16T14:00:00Z"}},
		{"0 0 9 * * ?", "Asia/Kolkata", "2025-01-15T00:00:00Z", []string{"2025-01-15T03:30:00Z"}},
		// 2025-03-09 02:00-03:00 does not exist in New York: 02:30 fires just
		// after the gap, at 03:30 EDT, and once.
		{"0 30 2 * * ?", "America/New_York", "2025-03-08T12:00:00Z", []string{"2025-03-09T07:30:00Z", "2025-03-10T06:30:00Z"}},
		// 2025-11-02 01:00-02:00 happens twice: 01:30 fires once.
		{"0 30 1 * * ?", "America/New_York", "2025-11-01T12:00:00Z", []string{"2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"}},
	} {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		loc, err := Location(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		at := utc(tc.after)
		for i := 0; i <= len(tc.want); i++ {
			got, ok := s.Next(at, loc)
			if i == len(tc.want) {
				if len(tc.want) == 0 && ok {
					t.Errorf("%q after %s: fires at %s, want never", tc.expr, tc.after, got.UTC().Format(time.RFC3339))
				}
				break
			}
			if !ok || !got.Equal(utc(tc.want[i])) {
				t.Errorf("%q after %s: fire %d is %s (%v), want %s", tc.expr, tc.after, i+1, got.UTC().Format(time.RFC3339), ok, tc.want[i])
				break
			}
			if !s.Matches(got, loc) && !strings.Contains(tc.zone, "New_York") {
				t.Errorf("%q: Matches(%s) is false", tc.expr, got)
			}
			at = got
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"", "0 fields"},
		{"* * * * *", "5 fields"},
		{"0 0 12 * * ? 2025 1", "8 fields"},
		{"0 0 12 * * *", "both a day-of-month and a day-of-week"},
		{"0 0 12 ? * ?", "not for both"},
		{"60 * * * * ?", `seconds: "60" is not a number from 0 to 59`},
		{"0 0 24 * * ?", "hours"},
		{"0 0 0 0 * ?", "day-of-month"},
		{"0 0 0 * 13 ?", `month: "13"`},
		{"0 0 0 * FOO ?", "JAN-DEC"},
		{"0 0 0 ? * 8", "day-of-week"},
		{"0 0 0 ? * 0", "day-of-week"}, // Quartz counts 1-7 from Sunday
		{"0 0/0 * * * ?", "increment"},
		{"0 0/60 * * * ?", "increment"},
		{"0 /5 * * * ?", "nothing before"},
		{"? * * * * ?", "'?' is allowed only"},
		{"0 0 0 L,3 * ?", "stand alone"},
		{"0 0 0 L-31 * ?", "offset"},
		{"0 0 0 1-5W * ?", "stand alone"},
		{"0 0 0 ? * 6#6", "from 1 to 5"},
		{"0 0 0 ? * 1,6L", "'L' stands alone"},
		{"0 0 0 1 1 ? 1969", "year"},
		{"0 0 0 1 1 ? 2030-2029", "ends before it starts"},
		{"0 0 0 1 1 ? 99999", "year"},
		{strings.Repeat("0 ", 200), "longer than 256"},
		{"0 0 0 1 1 ?\xff", "UTF-8"},
	} {
		_, err := Parse(tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.expr, err, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for expr, want := range map[string]string{
		"0 0 12 * * ?":              "At 12:00, every day",
		"30 15 9 ? * MON-FRI":       "At 09:15:30, on Monday through Friday",
		"0 * * * * ?":               "Every minute, every day",
		"0 0/5 * * * ?":             "Every 5 minutes, every day",
		"0 0 * * * ?":               "At minute 0, every hour, every day",
		"* * * * * ?":               "Every second, every day",
		"0 0 8 L * ?":               "At 08:00, on the last day of the month",
		"0 0 8 ? * 6#3":             "At 08:00, on the third Friday of the month",
		"0 0 8 1,15 JAN-MAR ? 2030": "At 08:00, on day 1 and 15 of the month, in January through March, in 2030",
	} {
		s, err := Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Describe(); got != want {
			t.Errorf("Describe(%q) = %q, want %q", expr, got, want)
		}
	}
}

func TestLocation(t *testing.T) {
	for _, id := range []string{"UTC", "America/New_York", "Europe/Paris", "Etc/GMT+2"} {
		if _, err := Location(id); err != nil {
			t.Errorf("Location(%q): %v", id, err)
		}
	}
	for _, id := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd", "America/New_York\x00"} {
		if _, err := Location(id); err == nil {
			t.Errorf("Location(%q) is accepted", id)
		}
	}
}

// FuzzParse: any text either is refused or gives a schedule whose next fire
// time is after the start, matches the schedule, and has no matching second
// before it (checked second by second over the next day, in UTC).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"0 0 12 * * ?", "0 15 10 ? * 6L", "0 0 0 LW * ?", "*/7 1-59/3 22-2 ? * FRI-MON 2030-2099",
		"0 0 0 15W * ?", "0 0 0 ? * 2#5", "0 0 0 L-3 JAN,JUL ?", "* * * * * ?", "0 0 0 29 2 ?"} {
		f.Add(seed, int64(1741600000))
	}
	f.Fuzz(func(t *testing.T, expr string, start int64) {
		s, err := Parse(expr)
		if err != nil {
			return
		}
		s.Describe()
		after := time.Unix(start%(4<<30), 0).UTC() // within 1970-2106
		next, ok := s.Next(after, time.UTC)
		if !ok {
			return
		}
		if !next.After(after) || !s.Matches(next, time.UTC) {
			t.Fatalf("%q after %s: next %s does not fire", expr, after, next)
		}
		for at := after.Add(time.Second).Truncate(time.Second); at.Before(next) && at.Before(after.Add(24*time.Hour)); at = at.Add(time.Second) {
			if s.Matches(at, time.UTC) {
				t.Fatalf("%q after %s: fires at %s, before Next's %s", expr, after, at, next)
			}
		}
	})
}
