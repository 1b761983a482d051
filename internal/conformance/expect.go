package conformance

import (
	"fmt"

	"github.com/mockdomino/mockdomino/internal/profile"
)

// expected is the profile a run expects: Expect, else the one Profile names.
func (o Options) expected() (profile.Profile, error) {
	if o.Expect != nil {
		return *o.Expect, nil
	}
	return profile.Load(o.Profile)
}

// profile is the profile a mockdomino says it plays, from the settings its
// health answer carries: a file profile's name (a learned one's says where
// it was learned) need not be anything --profile can load. nil when the
// mock does not send them (an older mock): the runner then loads the
// profile by its name, as it did.
func (h Health) profile() (*profile.Profile, error) {
	if len(h.Settings) == 0 {
		return nil, nil
	}
	p, err := profile.Parse(h.Settings, h.Profile)
	if err != nil {
		return nil, fmt.Errorf("the mock plays a profile this runner cannot read (give --profile): %w", err)
	}
	return &p, nil
}
