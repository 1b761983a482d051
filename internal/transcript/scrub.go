package transcript

// Scrub replaces in s every secret the recorder has met so far, and any
// JWT or PEM key, by its placeholder: for a text made from a run's
// answers that is kept beside the transcript or without one, such as a
// failure message written into a learned profile.
func (r *Recorder) Scrub(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.red.scrub(s)
}
