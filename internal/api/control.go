package api

import (
	"net/http"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

func health(q *request) (int, any, error) {
	return http.StatusOK, map[string]any{"status": "ok", "profile": q.st.Profile().Name}, nil
}

func reset(q *request) (int, any, error) {
	q.st.Reset()
	return http.StatusOK, map[string]any{"status": "reset"}, nil
}

func clockBody(now time.Time, offset time.Duration) map[string]any {
	return map[string]any{"now": store.Time(now), "offset": offset.String()}
}

func getClock(q *request) (int, any, error) {
	c := q.st.Clock()
	return http.StatusOK, clockBody(c.Now(), c.Offset()), nil
}

func advanceClock(q *request) (int, any, error) {
	var in struct {
		Advance store.Duration `json:"advance"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.Advance == 0 {
		return 0, nil, badRequest(`advance is required: a duration such as "2904h"`)
	}
	now, err := q.st.Clock().Advance(time.Duration(in.Advance))
	return http.StatusOK, clockBody(now, q.st.Clock().Offset()), err
}

func getLifecycle(q *request) (int, any, error) {
	return http.StatusOK, q.st.JobLifecycle(), nil
}

func setLifecycle(q *request) (int, any, error) {
	var in store.JobLifecycle
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	l, err := q.st.SetJobLifecycle(in)
	return http.StatusOK, l, err
}

func advanceJob(q *request) (int, any, error) {
	j, err := q.st.AdvanceJob(q.vars("jobId"))
	return http.StatusOK, jobV4(j), err
}
