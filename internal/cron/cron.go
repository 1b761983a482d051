// Package cron reads the Quartz cron expressions Domino's scheduled jobs
// take ("Custom schedules in Domino are created using the quartz cron
// scheduler", Domino's support documentation) and says when one fires next.
//
// An expression has six or seven fields: seconds, minutes, hours,
// day-of-month, month, day-of-week and an optional year. Each field is a
// list of values, ranges (a-b, which may wrap: FRI-MON) and increments (a/n,
// */n, a-b/n); months may be JAN-DEC and days of the week SUN-SAT (1-7, 1 is
// Sunday). Exactly one of day-of-month and day-of-week is '?'. Alone in its
// field, day-of-month may be L (the last day), L-n, LW (the last weekday)
// or nW (the weekday nearest day n), and day-of-week L (Saturday), nL (the
// last such day of the month) or n#k (the k-th such day). The rules are
// Quartz's CronExpression's; its messages are not copied.
package cron

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones by name on any machine, with or without a zoneinfo database
	"unicode/utf8"
)

// MaxLength bounds an expression, in bytes: Quartz's longest meaningful one
// is far shorter; this keeps what a client can make the mock hold small.
const MaxLength = 256

// searchYears is how far ahead Next looks before it decides an expression
// never fires again (Quartz gives up a hundred years on, too).
const searchYears = 100

type kind int

const (
	second kind = iota
	minute
	hour
	dayOfMonth
	month
	dayOfWeek
	year
)

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
)

// fields are the seven fields' names, bounds and largest increments (as
// Quartz refuses larger ones), in order.
var fields = [...]struct {
	name     string
	min, max int
	maxStep  int
	names    []string // names of min, min+1, ...
}{
	second:     {name: "seconds", min: 0, max: 59, maxStep: 59},
	minute:     {name: "minutes", min: 0, max: 59, maxStep: 59},
	hour:       {name: "hours", min: 0, max: 23, maxStep: 23},
	dayOfMonth: {name: "day-of-month", min: 1, max: 31, maxStep: 31},
	month:      {name: "month", min: 1, max: 12, maxStep: 12, names: monthNames},
	dayOfWeek:  {name: "day-of-week", min: 1, max: 7, maxStep: 7, names: dayNames},
	year:       {name: "year", min: 1970, max: 2099, maxStep: 129},
}

// set holds the values of one field, as offsets from the field's minimum
// (a year's are up to 129).
type set [3]uint64

func (s *set) add(i int)     { s[i/64] |= 1 << (i % 64) }
func (s set) has(i int) bool { return i >= 0 && i < 192 && s[i/64]&(1<<(i%64)) != 0 }

// next is the least offset in s at or after i, or -1.
func (s set) next(i int) int {
	for ; i < 192; i++ {
		if s.has(i) {
			return i
		}
	}
	return -1
}

// Schedule is a parsed expression.
type Schedule struct {
	text    [7]string // each field as written, upper-cased; year "" if absent
	sets    [7]set
	hasYear bool
	// '?': the other of the two day fields decides the day.
	noDayOfMonth, noDayOfWeek bool
	// The day-of-month specials, each alone in its field.
	lastDay     bool // L or L-n: the last day, less lastOffset
	lastOffset  int
	lastWeekday bool // LW
	nearest     int  // nW: the weekday nearest day n; 0: none
	// The day-of-week specials, each alone in its field.
	lastOf     int // nL: the last day n (1-7) of the month; 0: none
	nthOf, nth int // n#k: the k-th day n of the month; 0: none
}

// Error says what is wrong with an expression.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func errorf(format string, args ...any) error { return &Error{msg: fmt.Sprintf(format, args...)} }

// Parse reads a Quartz cron expression (letters in any case).
func Parse(expr string) (*Schedule, error) {
	if len(expr) > MaxLength {
		return nil, errorf("it is longer than %d bytes", MaxLength)
	}
	if !utf8.ValidString(expr) {
		return nil, errorf("it is not valid UTF-8")
	}
	parts := strings.Fields(strings.ToUpper(expr))
	if len(parts) < 6 || len(parts) > 7 {
		return nil, errorf("it has %d fields; a Quartz cron expression has 6 or 7: seconds, minutes, hours, day-of-month, month, day-of-week and an optional year", len(parts))
	}
	s := &Schedule{}
	for k, f := range parts {
		s.text[k] = f
		if err := s.parseField(kind(k), f); err != nil {
			return nil, err
		}
	}
	if s.hasYear = len(parts) == 7; !s.hasYear {
		s.addRange(year, fields[year].min, fields[year].max, 1)
	}
	switch {
	case s.noDayOfMonth && s.noDayOfWeek:
		return nil, errorf("'?' may be given for day-of-month or for day-of-week, not for both")
	case !s.noDayOfMonth && !s.noDayOfWeek:
		return nil, errorf("giving both a day-of-month and a day-of-week is not supported: put '?' in one of them")
	}
	return s, nil
}

func (s *Schedule) parseField(k kind, f string) error {
	info := fields[k]
	if f == "?" {
		switch k {
		case dayOfMonth:
			s.noDayOfMonth = true
		case dayOfWeek:
			s.noDayOfWeek = true
		default:
			return errorf("'?' is allowed only in day-of-month and day-of-week, not in %s", info.name)
		}
		return nil
	}
	switch {
	case k == dayOfMonth && strings.ContainsAny(f, "LW"):
		return s.parseMonthDaySpecial(f)
	case k == dayOfWeek && (f == "L" || strings.HasSuffix(f, "L") || strings.Contains(f, "#")):
		return s.parseWeekDaySpecial(f)
	}
	for _, item := range strings.Split(f, ",") {
		if err := s.parseItem(k, item); err != nil {
			return err
		}
	}
	return nil
}

// parseItem reads one value, range or increment of a list.
func (s *Schedule) parseItem(k kind, item string) error {
	info := fields[k]
	base, stepText, stepped := strings.Cut(item, "/")
	step := 1
	if stepped {
		n, err := strconv.Atoi(stepText)
		if err != nil || len(stepText) > 3 || n < 1 || n > info.maxStep {
			return errorf("%s: the increment in %q must be a number from 1 to %d", info.name, item, info.maxStep)
		}
		step = n
	}
	var lo, hi int
	switch {
	case base == "*":
		lo, hi = info.min, info.max
	case base == "":
		return errorf("%s: %q has nothing before the '/': write */n or a/n", info.name, item)
	case strings.Contains(base, "-"):
		a, b, _ := strings.Cut(base, "-")
		var err error
		if lo, err = s.value(k, a); err != nil {
			return err
		}
		if hi, err = s.value(k, b); err != nil {
			return err
		}
	default:
		v, err := s.value(k, base)
		if err != nil {
			return err
		}
		lo, hi = v, v
		if stepped { // a/n: from a on, to the field's end
			hi = info.max
		}
	}
	if hi < lo && k == year {
		return errorf("year: the range %q ends before it starts", base)
	}
	s.addRange(k, lo, hi, step)
	return nil
}

// addRange adds lo, lo+step, ... up to hi; a range that ends before it
// starts wraps past the field's end (22-2 are the hours 22, 23, 0, 1, 2).
func (s *Schedule) addRange(k kind, lo, hi, step int) {
	info := fields[k]
	span := info.max - info.min + 1
	if hi < lo {
		hi += span
	}
	for v := lo; v <= hi; v += step {
		x := v
		if x > info.max {
			x -= span
		}
		s.sets[k].add(x - info.min)
	}
}

// value reads one number, or a name of a month or a day of the week.
func (s *Schedule) value(k kind, text string) (int, error) {
	info := fields[k]
	for i, n := range info.names {
		if text == n {
			return info.min + i, nil
		}
	}
	v, err := strconv.Atoi(text)
	if err != nil || len(text) > 4 || v < info.min || v > info.max {
		what := fmt.Sprintf("a number from %d to %d", info.min, info.max)
		if info.names != nil {
			what += fmt.Sprintf(" or one of %s-%s", info.names[0], info.names[len(info.names)-1])
		}
		return 0, errorf("%s: %q is not %s", info.name, clip(text), what)
	}
	return v, nil
}

// parseMonthDaySpecial reads L, L-n, LW and nW.
func (s *Schedule) parseMonthDaySpecial(f string) error {
	switch {
	case f == "L":
		s.lastDay = true
	case f == "LW":
		s.lastWeekday = true
	case strings.HasPrefix(f, "L-"):
		n, err := strconv.Atoi(f[2:])
		if err != nil || len(f) > 4 || n < 0 || n > 30 {
			return errorf("day-of-month: the offset in %q must be a number from 0 to 30", clip(f))
		}
		s.lastDay, s.lastOffset = true, n
	case strings.HasSuffix(f, "W") && !strings.ContainsAny(f[:len(f)-1], "LW,-/*"):
		n, err := s.value(dayOfMonth, f[:len(f)-1])
		if err != nil {
			return err
		}
		s.nearest = n
	default:
		return errorf("day-of-month: %q: 'L' and 'W' stand alone in the field, as L, L-n, LW or nW", clip(f))
	}
	return nil
}

// parseWeekDaySpecial reads L, nL and n#k.
func (s *Schedule) parseWeekDaySpecial(f string) error {
	if f == "L" { // alone, L is the week's last day
		s.sets[dayOfWeek].add(7 - 1)
		return nil
	}
	if day, k, ok := strings.Cut(f, "#"); ok {
		d, err := s.value(dayOfWeek, day)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(k)
		if err != nil || len(k) > 1 || n < 1 || n > 5 {
			return errorf("day-of-week: the k of %q must be a number from 1 to 5", clip(f))
		}
		s.nthOf, s.nth = d, n
		return nil
	}
	d, err := s.value(dayOfWeek, strings.TrimSuffix(f, "L"))
	if err != nil {
		return errorf("day-of-week: %q: 'L' stands alone in the field, or after one day (6L: the month's last Friday)", clip(f))
	}
	s.lastOf = d
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// daysIn is the number of days of a month.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func weekday(y int, m time.Month, d int) time.Weekday {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()
}

// nearestWeekday is the weekday (Monday to Friday) of the month nearest to
// day n, or 0 if the month has no day n.
func nearestWeekday(y int, m time.Month, n int) int {
	last := daysIn(y, m)
	if n > last {
		return 0
	}
	switch weekday(y, m, n) {
	case time.Saturday:
		if n == 1 {
			return 3 // not back into the month before: Monday the 3rd
		}
		return n - 1
	case time.Sunday:
		if n == last {
			return n - 2 // not on into the next month: Friday
		}
		return n + 1
	}
	return n
}

// dayMatches says whether the schedule fires on a day.
func (s *Schedule) dayMatches(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	if d > last {
		return false
	}
	if s.noDayOfWeek {
		switch {
		case s.lastWeekday:
			return d == nearestWeekday(y, m, last)
		case s.lastDay:
			return d == last-s.lastOffset
		case s.nearest > 0:
			return d == nearestWeekday(y, m, s.nearest)
		}
		return s.sets[dayOfMonth].has(d - 1)
	}
	wd := int(weekday(y, m, d)) + 1 // 1 is Sunday
	switch {
	case s.lastOf > 0:
		return wd == s.lastOf && d+7 > last
	case s.nthOf > 0:
		return wd == s.nthOf && (d-1)/7+1 == s.nth
	}
	return s.sets[dayOfWeek].has(wd - 1)
}

// Matches says whether the schedule fires at t's wall-clock second in loc.
func (s *Schedule) Matches(t time.Time, loc *time.Location) bool {
	w := t.In(loc)
	y, m, d := w.Date()
	h, mi, sec := w.Clock()
	return s.sets[year].has(y-fields[year].min) && s.sets[month].has(int(m)-1) && s.dayMatches(y, m, d) &&
		s.sets[hour].has(h) && s.sets[minute].has(mi) && s.sets[second].has(sec)
}

// maxSteps bounds Next's search whatever the expression: each step moves a
// field on, and a hundred years of days take under 40,000.
const maxSteps = 1 << 20

// Next is the first time after `after` at which the schedule fires, read on
// loc's wall clock; false if it never fires in the next hundred years. A
// time the wall clock skips (a daylight-saving gap) fires as far after the
// gap's start as it was meant to (02:30 is 03:30 when clocks go from 02:00
// to 03:00), as a lenient calendar reads it; a time it repeats fires once.
func (s *Schedule) Next(after time.Time, loc *time.Location) (time.Time, bool) {
	w := after.In(loc)
	y, mo, d := w.Date()
	h, mi, sec := w.Clock()
	sec++
	limit := min(w.Year()+searchYears, fields[year].max)
	if !s.hasYear {
		limit = w.Year() + searchYears
	}
	for range maxSteps {
		if sec > 59 {
			sec, mi = 0, mi+1
		}
		if mi > 59 {
			mi, h = 0, h+1
		}
		if h > 23 {
			h, d = 0, d+1
		}
		if d > daysIn(y, mo) {
			d, mo = 1, mo+1
		}
		if mo > 12 {
			mo, y = 1, y+1
		}
		if y > limit {
			return time.Time{}, false
		}
		if s.hasYear && !s.sets[year].has(y-fields[year].min) {
			next := s.sets[year].next(max(y-fields[year].min, 0))
			if next < 0 || fields[year].min+next > limit {
				return time.Time{}, false
			}
			y, mo, d, h, mi, sec = fields[year].min+next, 1, 1, 0, 0, 0
			continue
		}
		if !s.sets[month].has(int(mo) - 1) {
			mo, d, h, mi, sec = mo+1, 1, 0, 0, 0
			continue
		}
		if !s.dayMatches(y, mo, d) {
			d, h, mi, sec = d+1, 0, 0, 0
			continue
		}
		if !s.sets[hour].has(h) {
			if h = s.sets[hour].next(h); h < 0 {
				h = 24
			}
			mi, sec = 0, 0
			continue
		}
		if !s.sets[minute].has(mi) {
			if mi = s.sets[minute].next(mi); mi < 0 {
				mi = 60
			}
			sec = 0
			continue
		}
		if !s.sets[second].has(sec) {
			if sec = s.sets[second].next(sec); sec < 0 {
				sec = 60
			}
			continue
		}
		t := time.Date(y, mo, d, h, mi, sec, 0, loc)
		if wy, wmo, wd := t.Date(); wy != y || wmo != mo || wd != d || t.Hour() != h || t.Minute() != mi {
			// A wall-clock time the zone skips: time.Date reads it with
			// the offset after the gap, which puts it before the gap by
			// as much as the gap's length. Read it with the one before.
			asked := time.Date(y, mo, d, h, mi, sec, 0, time.UTC)
			got := time.Date(wy, wmo, wd, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
			t = t.Add(asked.Sub(got))
		}
		if t.After(after) {
			return t, true
		}
		sec++ // a repeated wall-clock time already passed: on
	}
	return time.Time{}, false
}

// ErrLocation is the error of a time zone id that Location refuses.
var ErrLocation = errors.New("is not a time zone: give an IANA time zone name such as UTC or America/New_York")

// Location is the time zone of an IANA name such as "America/New_York" or
// "UTC". "" and "Local" are refused: "Local" would be the machine's zone,
// which would make the same schedule fire at other times elsewhere.
func Location(id string) (*time.Location, error) {
	if id == "" || id == "Local" || len(id) > 64 || strings.ContainsAny(id, "\\\x00") {
		return nil, ErrLocation
	}
	loc, err := time.LoadLocation(id)
	if err != nil {
		return nil, ErrLocation
	}
	return loc, nil
}
