package cron

import (
	"fmt"
	"strconv"
	"strings"
)

var (
	monthWords = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayWords   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	ordinals   = []string{"", "first", "second", "third", "fourth", "fifth"}
)

// Describe says in English when the schedule fires, e.g. "At 12:00, every
// day" or "Every 5 minutes, on Monday through Friday". Domino answers such a
// text as humanReadableCronString; its own wording is not known, so this
// is the mock's.
func (s *Schedule) Describe() string {
	var parts []string
	if t, ok := s.clockTime(); ok {
		parts = append(parts, "at "+t)
	} else {
		for _, k := range []kind{second, minute, hour} {
			if p := s.describeTimeField(k); p != "" {
				parts = append(parts, p)
			}
		}
	}
	parts = append(parts, s.describeDays())
	if m := s.text[month]; m != "*" {
		parts = append(parts, "in "+s.describeList(month, m))
	}
	if y := s.text[year]; s.hasYear && y != "*" {
		parts = append(parts, "in "+s.describeList(year, y))
	}
	out := strings.Join(parts, ", ")
	return strings.ToUpper(out[:1]) + out[1:]
}

// clockTime is "HH:MM" or "HH:MM:SS" when seconds, minutes and hours are
// each one number.
func (s *Schedule) clockTime() (string, bool) {
	var v [3]int
	for i, k := range []kind{second, minute, hour} {
		n, err := strconv.Atoi(s.text[k])
		if err != nil {
			return "", false
		}
		v[i] = n
	}
	if v[0] == 0 {
		return fmt.Sprintf("%02d:%02d", v[2], v[1]), true
	}
	return fmt.Sprintf("%02d:%02d:%02d", v[2], v[1], v[0]), true
}

// describeTimeField describes seconds, minutes or hours; "" when the field
// adds nothing (second 0 of a schedule by the minute or the hour).
func (s *Schedule) describeTimeField(k kind) string {
	f := s.text[k]
	unit := map[kind]string{second: "second", minute: "minute", hour: "hour"}[k]
	switch {
	case f == "*":
		// A finer field that is every second or minute says it already.
		finer := k == minute && s.text[second] == "*" ||
			k == hour && (s.text[second] == "*" || s.text[minute] == "*" || strings.Contains(s.text[minute], "/"))
		if finer {
			return ""
		}
		return "every " + unit
	case f == "0" && k == second:
		return ""
	case strings.HasPrefix(f, "*/") || strings.HasPrefix(f, "0/"):
		return fmt.Sprintf("every %s %ss", f[2:], unit)
	}
	return fmt.Sprintf("at %s %s", unit, s.describeList(k, f))
}

func (s *Schedule) describeDays() string {
	switch {
	case s.lastWeekday:
		return "on the last weekday of the month"
	case s.lastDay && s.lastOffset == 0:
		return "on the last day of the month"
	case s.lastDay:
		return fmt.Sprintf("%d days before the last day of the month", s.lastOffset)
	case s.nearest > 0:
		return fmt.Sprintf("on the weekday nearest day %d of the month", s.nearest)
	case s.lastOf > 0:
		return "on the last " + dayWords[s.lastOf-1] + " of the month"
	case s.nthOf > 0:
		return "on the " + ordinals[s.nth] + " " + dayWords[s.nthOf-1] + " of the month"
	case s.noDayOfWeek && s.text[dayOfMonth] != "*":
		return "on day " + s.describeList(dayOfMonth, s.text[dayOfMonth]) + " of the month"
	case s.noDayOfMonth && s.text[dayOfWeek] != "*":
		return "on " + s.describeList(dayOfWeek, s.text[dayOfWeek])
	}
	return "every day"
}

// describeList writes a field's list with names spelled out: "1-5" of the
// days of the week is "Sunday through Thursday".
func (s *Schedule) describeList(k kind, f string) string {
	items := strings.Split(f, ",")
	for i, item := range items {
		base, step, stepped := strings.Cut(item, "/")
		if lo, hi, ok := strings.Cut(base, "-"); ok {
			base = s.word(k, lo) + " through " + s.word(k, hi)
		} else if base != "*" {
			base = s.word(k, base)
		}
		switch {
		case stepped && base == "*":
			items[i] = "every " + step + "th"
		case stepped:
			items[i] = "every " + step + " from " + base
		default:
			items[i] = base
		}
	}
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// word spells one value of a field: a month's or a day's name.
func (s *Schedule) word(k kind, text string) string {
	v, err := s.value(k, text)
	if err != nil {
		return text
	}
	switch k {
	case month:
		return monthWords[v-1]
	case dayOfWeek:
		return dayWords[v-1]
	}
	return strconv.Itoa(v)
}
