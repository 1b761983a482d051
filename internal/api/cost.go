package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/mockdomino/mockdomino/internal/store"
)

// The cost controls' routes (store/cost.go holds their rules), as
// python-domino's budget and billing-tag methods call them.

// costAdmin is the permission of every cost route but the list of active
// billing tags, asked before a body is read.
func costAdmin(q *request) error { return store.RequireCostAdmin(q.caller) }

// nullableNumber is a JSON number that tells null from a field left out:
// a default budget's limit may be null (no limit), and must be given.
type nullableNumber struct {
	set   bool
	value *float64
}

func (n *nullableNumber) UnmarshalJSON(b []byte) error {
	n.set = true
	if string(b) == "null" {
		n.value = nil
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return errors.New("must be a number or null")
	}
	n.value = &f
	return nil
}

// budgetBody is a budget as python-domino sends it: budget_defaults_update
// {budgetLabel, budgetType, limit, window}, the overrides' with labelId.
type budgetBody struct {
	LabelID     string         `json:"labelId"`
	BudgetLabel string         `json:"budgetLabel"`
	BudgetType  string         `json:"budgetType"`
	Limit       nullableNumber `json:"limit"`
	Window      string         `json:"window"`
}

func (b budgetBody) input() store.BudgetInput {
	return store.BudgetInput{LabelID: b.LabelID, BudgetLabel: b.BudgetLabel, BudgetType: b.BudgetType, Window: b.Window,
		Limit: b.Limit.value, LimitGiven: b.Limit.set}
}

func listBudgetDefaults(q *request) (int, any, error) {
	list, err := q.st.BudgetDefaults(q.caller)
	return http.StatusOK, list, err
}

func setBudgetDefault(q *request) (int, any, error) {
	var in budgetBody
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	b, err := q.st.SetBudgetDefault(q.caller, q.vars("budgetLabel"), in.input())
	return http.StatusOK, b, err
}

func listBudgetOverrides(q *request) (int, any, error) {
	list, err := q.st.BudgetOverrides(q.caller)
	return http.StatusOK, list, err
}

func createBudgetOverride(q *request) (int, any, error) {
	var in budgetBody
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := bodyObjectID("labelId", in.LabelID); err != nil {
		return 0, nil, err
	}
	b, err := q.st.CreateBudgetOverride(q.caller, in.input())
	return http.StatusOK, b, err
}

func updateBudgetOverride(q *request) (int, any, error) {
	var in budgetBody
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	b, err := q.st.UpdateBudgetOverride(q.caller, q.vars("budgetId"), in.input())
	return http.StatusOK, b, err
}

func deleteBudgetOverride(q *request) (int, any, error) {
	msgs, err := q.st.DeleteBudgetOverride(q.caller, q.vars("budgetId"))
	return http.StatusOK, msgs, err
}

func getBudgetAlerts(q *request) (int, any, error) {
	a, err := q.st.BudgetAlerts(q.caller)
	return http.StatusOK, a, err
}

// setBudgetAlerts takes the whole settings document, as python-domino's
// budget_alerts_settings_update and budget_alerts_targets_update send back
// what they read, changed (with no Content-Type).
func setBudgetAlerts(q *request) (int, any, error) {
	var in struct {
		AlertsEnabled  *bool                `json:"alertsEnabled"`
		NotifyOrgOwner *bool                `json:"notifyOrgOwner"`
		AlertTargets   *[]store.AlertTarget `json:"alertTargets"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	a, err := q.st.SetBudgetAlerts(q.caller, store.AlertSettingsInput{AlertsEnabled: in.AlertsEnabled,
		NotifyOrgOwner: in.NotifyOrgOwner, AlertTargets: in.AlertTargets})
	return http.StatusOK, a, err
}

// billingTagsAnswer is the 6.2 spec's BillingTagsEnvelopeV1.
type billingTagsAnswer struct {
	BillingTags []store.BillingTag `json:"billingTags"`
}

// billingTagAnswer is the 6.2 spec's BillingTagEnvelopeV1.
type billingTagAnswer struct {
	BillingTag store.BillingTagStatus `json:"billingTag"`
}

// modeAnswer is the 6.2 spec's BillingTagsModeEnvelopeV1.
type modeAnswer struct {
	Mode string `json:"mode"`
}

func listActiveBillingTags(q *request) (int, any, error) {
	return http.StatusOK, billingTagsAnswer{q.st.ActiveBillingTags(q.caller)}, nil
}

func createBillingTags(q *request) (int, any, error) {
	var in struct {
		BillingTags []string `json:"billingTags"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	tags, err := q.st.UpsertBillingTags(q.caller, in.BillingTags)
	return http.StatusOK, billingTagsAnswer{tags}, err
}

func getBillingTag(q *request) (int, any, error) {
	t, err := q.st.BillingTagByName(q.caller, q.vars("tag"))
	return http.StatusOK, billingTagAnswer{t}, err
}

func archiveBillingTag(q *request) (int, any, error) {
	t, err := q.st.ArchiveBillingTag(q.caller, q.vars("tag"))
	return http.StatusOK, billingTagAnswer{t}, err
}

func getBillingTagSettings(q *request) (int, any, error) {
	s, err := q.st.BillingTagSettings(q.caller)
	return http.StatusOK, s, err
}

func getBillingTagMode(q *request) (int, any, error) {
	s, err := q.st.BillingTagSettings(q.caller)
	return http.StatusOK, modeAnswer{s.Mode}, err
}

func setBillingTagMode(q *request) (int, any, error) {
	var in modeAnswer
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	m, err := q.st.SetBillingTagMode(q.caller, in.Mode)
	return http.StatusOK, modeAnswer{m}, err
}

// getProjectBillingTag answers {"tag"}, or null for a project without one
// (python-domino's live test reads None).
func getProjectBillingTag(q *request) (int, any, error) {
	t, err := q.st.ProjectBillingTag(q.caller, q.vars("projectId"))
	return http.StatusOK, t, err
}

func setProjectBillingTag(q *request) (int, any, error) {
	var in store.BillingTag
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	p, err := q.st.SetProjectBillingTag(q.caller, q.vars("projectId"), in.Tag)
	return http.StatusOK, p, err
}

func resetProjectBillingTag(q *request) (int, any, error) {
	p, err := q.st.ResetProjectBillingTag(q.caller, q.vars("projectId"))
	return http.StatusOK, p, err
}

// setProjectsBillingTags takes the spec's ProjectsBillingTags and answers
// its ProjectSummaries.
func setProjectsBillingTags(q *request) (int, any, error) {
	var in struct {
		ProjectsBillingTags []struct {
			ProjectID  string            `json:"projectId"`
			BillingTag *store.BillingTag `json:"billingTag"`
		} `json:"projectsBillingTags"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	var list []store.ProjectBillingTagInput
	if in.ProjectsBillingTags != nil {
		list = []store.ProjectBillingTagInput{}
	}
	for i, e := range in.ProjectsBillingTags {
		if err := bodyObjectID("projectsBillingTags["+strconv.Itoa(i)+"].projectId", e.ProjectID); err != nil {
			return 0, nil, err
		}
		entry := store.ProjectBillingTagInput{ProjectID: e.ProjectID}
		if e.BillingTag != nil {
			entry.Tag = &e.BillingTag.Tag
		}
		list = append(list, entry)
	}
	summaries, err := q.st.SetProjectsBillingTags(q.caller, list)
	return http.StatusOK, struct {
		Summaries []store.Project `json:"summaries"`
	}{summaries}, err
}

// projectsByBillingTag reads the query as Play binds it: whole numbers in
// int32 (offset may be negative), booleans true, false, 1 or 0, an ObjectId
// checkpoint (inferred); the spec's defaults fill in what is left out.
func projectsByBillingTag(q *request) (int, any, error) {
	v := q.URL.Query()
	in := store.BillingTagQuery{BillingTag: v.Get("billingTag"), NameFilter: v.Get("nameFilter"),
		CheckpointProjectID: v.Get("checkpointProjectId"), PageSize: 10, SortBy: "name", SortOrder: "desc"}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"offset", &in.Offset}, {"pageSize", &in.PageSize}} {
		if s := v.Get(n.name); s != "" {
			i, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return 0, nil, badRequest("Cannot parse parameter %s as Int: a whole number from %d to %d, not %q", n.name, math.MinInt32, math.MaxInt32, clipPath(s))
			}
			*n.dst = int(i)
		}
	}
	switch s := v.Get("missingBillingTagOnly"); s {
	case "", "false", "0":
	case "true", "1":
		in.MissingBillingTagOnly = true
	default:
		return 0, nil, badRequest("Cannot parse parameter missingBillingTagOnly as Boolean: should be true, false, 0 or 1, not %q", clipPath(s))
	}
	if s := v.Get("sortBy"); s != "" {
		in.SortBy = s
	}
	if s := v.Get("sortOrder"); s != "" {
		in.SortOrder = s
	}
	if id := in.CheckpointProjectID; id != "" && !isObjectID(id) {
		return 0, nil, badRequest("%s is not a valid ID", clipPath(id))
	}
	page, err := q.st.ProjectsByBillingTag(q.caller, in)
	return http.StatusOK, page, err
}
