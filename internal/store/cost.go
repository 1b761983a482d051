package store

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Cost controls: default budgets and their overrides, the global budget
// alert settings, billing tags and the mode that says whether new projects
// need one, and the billing tag each project is charged to. Domino's admin
// guide documents them as administration ("Admin > Manage resources > Cost
// tracking"), and python-domino says "Requires Admin permission" of every
// method, so every route here is an administrator's but the list of active
// billing tags, which the 6.2 public spec calls the "billing codes that a
// user can see". Each rule lives here once; the shapes are python-domino's
// (what it sends and reads back) and the specs' (BillingTag*V1, the v4
// spec's ProjectSummary and PaginatedProjectSummaryResults).

// BudgetLabels are what a budget applies to (python-domino's BudgetLabel;
// documented: "organizations, projects, or billing tags").
var BudgetLabels = []string{"BillingTag", "Organization", "Project"}

// Budget types and the one window: python-domino sends "Default" to the
// defaults and "Override" to the overrides, and always "monthly" (documented:
// "a default monthly (by calendar month) budget").
const (
	BudgetTypeDefault  = "Default"
	BudgetTypeOverride = "Override"
	BudgetWindow       = "monthly"
)

// BillingTagModes say whether a new project may or must have a billing tag
// (documented: "Disabled, Optional, or Required for new projects"; the 6.2
// spec spells them in lower case, python-domino as here).
var BillingTagModes = []string{"Disabled", "Optional", "Required"}

// DefaultBillingTagMode is the mode of a new deployment (inferred: Optional
// takes projects with a billing tag and without).
const DefaultBillingTagMode = "Optional"

// The mock's bounds on what an administrator may make it hold (inferred:
// Domino's are not known). A state document is not held to them.
const (
	MaxBillingTags       = 10000
	MaxBudgetOverrides   = 10000
	MaxAlertEmails       = 100 // per budget label
	maxBillingTagNameLen = 100
)

type costState struct {
	defaults      map[string]*float64        // by budget label; nil: no limit, the documented default
	overrides     map[string]*budgetOverride // by labelId, which is also the override's id
	overrideOrder []*budgetOverride          // in creation order
	alerts        BudgetAlertSettings        // one target per label, in BudgetLabels' order
	tags          map[string]*billingTag     // by name
	tagsByID      map[string]*billingTag
	tagOrder      []*billingTag // in creation order
	mode          string
	notifications bool
}

type budgetOverride struct {
	labelID, label string
	limit          float64
}

// billingTag is one billing tag; archived ones stay, and the projects
// charged to one keep it (inferred), but no project is given one again.
type billingTag struct {
	id, name string
	active   bool
}

func newCostState() costState {
	return costState{defaults: map[string]*float64{}, overrides: map[string]*budgetOverride{},
		tags: map[string]*billingTag{}, tagsByID: map[string]*billingTag{}, mode: DefaultBillingTagMode,
		alerts: defaultAlertSettings()}
}

// defaultAlertSettings: "Alerts are not configured by default"
// (documented); each label has a target with no emails, so that
// python-domino's budget_alerts_targets_update, which replaces the emails
// of the labels listed, can set any of them (inferred).
func defaultAlertSettings() BudgetAlertSettings {
	a := BudgetAlertSettings{AlertTargets: []AlertTarget{}}
	for _, l := range BudgetLabels {
		a.AlertTargets = append(a.AlertTargets, AlertTarget{Label: l, Emails: []string{}})
	}
	return a
}

// Budget is a default budget or an override, as python-domino sends and
// reads them: an override names what it applies to by labelId, which is
// also its id.
type Budget struct {
	LabelID     string   `json:"labelId,omitempty"`
	BudgetLabel string   `json:"budgetLabel"`
	BudgetType  string   `json:"budgetType"`
	Limit       *float64 `json:"limit"`
	Window      string   `json:"window"`
}

// BudgetInput is a budget a request sends. LimitGiven tells a null limit
// (Limit nil) from none at all.
type BudgetInput struct {
	LabelID, BudgetLabel, BudgetType, Window string
	Limit                                    *float64
	LimitGiven                               bool
}

// BudgetAlertSettings are the global budget alert settings.
type BudgetAlertSettings struct {
	AlertsEnabled  bool          `json:"alertsEnabled"`
	NotifyOrgOwner bool          `json:"notifyOrgOwner"`
	AlertTargets   []AlertTarget `json:"alertTargets"`
}

// AlertTarget is who, besides Domino's own notifications, hears of one
// label's budgets.
type AlertTarget struct {
	Label  string   `json:"label"`
	Emails []string `json:"emails"`
}

// AlertSettingsInput is what a request sends; nil is a field left out.
type AlertSettingsInput struct {
	AlertsEnabled, NotifyOrgOwner *bool
	AlertTargets                  *[]AlertTarget
}

func (a BudgetAlertSettings) clone() BudgetAlertSettings {
	out := a
	out.AlertTargets = make([]AlertTarget, len(a.AlertTargets))
	for i, t := range a.AlertTargets {
		out.AlertTargets[i] = AlertTarget{Label: t.Label, Emails: slices.Clone(t.Emails)}
	}
	return out
}

// BillingTag is a billing tag by name: the 6.2 spec's BillingTagV1, and the
// billingTag of the v4 spec's ProjectSummary.
type BillingTag struct {
	Tag string `json:"tag"`
}

// BillingTagStatus is one billing tag with its id and whether it is active
// (the 6.2 spec's BillingTagWithStatusV1).
type BillingTagStatus struct {
	Tag    string `json:"tag"`
	TagID  string `json:"tagId"`
	Active bool   `json:"active"`
}

// BillingTagSettings are the 6.2 spec's BillingTagsSettingsV1.
type BillingTagSettings struct {
	Mode          string `json:"mode"`
	Notifications bool   `json:"notifications"`
}

func (t *billingTag) view() BillingTag { return BillingTag{Tag: t.name} }
func (t *billingTag) status() BillingTagStatus {
	return BillingTagStatus{Tag: t.name, TagID: t.id, Active: t.active}
}

// RequireCostAdmin is the rule of the cost routes: administrators only. The
// HTTP layer asks it before reading a body, the store again.
func RequireCostAdmin(c Caller) error {
	if !c.IsAdmin {
		return errorf(KindForbidden, "Forbidden: only administrators may manage budgets and billing tags")
	}
	return nil
}

// ---- budgets ----

// checkBudget applies the rules every budget follows: its type, if given,
// is the route's, its window monthly, and its limit a non-negative number
// (null only where nullable: a default's, whose absence is "no limit").
func checkBudget(in BudgetInput, budgetType string, nullable bool) error {
	if in.BudgetType != "" && in.BudgetType != budgetType {
		return errorf(KindInvalid, "budgetType %q is invalid: this route takes %s budgets", clip(in.BudgetType), budgetType)
	}
	if in.Window != "" && in.Window != BudgetWindow {
		return errorf(KindInvalid, "window %q is invalid: budgets are %s", clip(in.Window), BudgetWindow)
	}
	return checkLimit("limit", in.Limit, in.LimitGiven, nullable)
}

func checkLimit(field string, limit *float64, given, nullable bool) error {
	switch {
	case !given || limit == nil && !nullable:
		return errorf(KindInvalid, "%s is required: a budget limit is a non-negative number", field)
	case limit == nil:
		return nil
	case *limit < 0 || math.IsNaN(*limit) || math.IsInf(*limit, 0):
		return errorf(KindInvalid, "%s %v is invalid: a budget limit is a non-negative number", field, *limit)
	}
	return nil
}

func checkBudgetLabel(field, label string) error {
	if label == "" {
		return errorf(KindInvalid, "%s is required: one of %s", field, strings.Join(BudgetLabels, ", "))
	}
	return invalid(oneOfLabels(field, label))
}

func oneOfLabels(field, label string) error {
	if !slices.Contains(BudgetLabels, label) {
		return fmt.Errorf("%s %q is invalid: must be one of %s", field, clip(label), strings.Join(BudgetLabels, ", "))
	}
	return nil
}

func defaultBudget(label string, limit *float64) Budget {
	b := Budget{BudgetLabel: label, BudgetType: BudgetTypeDefault, Window: BudgetWindow}
	if limit != nil {
		v := *limit
		b.Limit = &v
	}
	return b
}

func (o *budgetOverride) view() Budget {
	limit := o.limit
	return Budget{LabelID: o.labelID, BudgetLabel: o.label, BudgetType: BudgetTypeOverride, Limit: &limit, Window: BudgetWindow}
}

// BudgetDefaults lists the default budget of each label (python-domino's
// live test expects three).
func (s *Store) BudgetDefaults(c Caller) ([]Budget, error) {
	if err := RequireCostAdmin(c); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Budget, 0, len(BudgetLabels))
	for _, l := range BudgetLabels {
		out = append(out, defaultBudget(l, s.st.cost.defaults[l]))
	}
	return out, nil
}

// SetBudgetDefault sets the default limit of a label's budgets; a null
// limit takes it away (inferred: none is the documented default).
func (s *Store) SetBudgetDefault(c Caller, label string, in BudgetInput) (Budget, error) {
	if err := RequireCostAdmin(c); err != nil {
		return Budget{}, err
	}
	if !slices.Contains(BudgetLabels, label) {
		return Budget{}, errorf(KindNotFound, "No default budget has the label %q: the labels are %s", clip(label), strings.Join(BudgetLabels, ", "))
	}
	if in.BudgetLabel != "" && in.BudgetLabel != label {
		return Budget{}, errorf(KindInvalid, "budgetLabel %q is not the label of the path, %s", clip(in.BudgetLabel), label)
	}
	if err := checkBudget(in, BudgetTypeDefault, true); err != nil {
		return Budget{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return Budget{}, err
	}
	b := defaultBudget(label, in.Limit)
	s.st.cost.defaults[label] = b.Limit
	return defaultBudget(label, b.Limit), s.commit(change{cost: &CostChange{CostRecord: CostRecord{BudgetDefaults: []Budget{b}}}})
}

// BudgetOverrides lists the overrides in the order they were made.
func (s *Store) BudgetOverrides(c Caller) ([]Budget, error) {
	if err := RequireCostAdmin(c); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Budget, 0, len(s.st.cost.overrideOrder))
	for _, o := range s.st.cost.overrideOrder {
		out = append(out, o.view())
	}
	return out, nil
}

// CreateBudgetOverride makes the budget of one project, organization or
// billing tag, named by its id (labelId), which is also the override's id.
// The id need not name anything the mock holds: python-domino's tests
// against a live Domino make overrides for fixed ids of all three labels.
// One id has one override.
func (s *Store) CreateBudgetOverride(c Caller, in BudgetInput) (Budget, error) {
	if err := RequireCostAdmin(c); err != nil {
		return Budget{}, err
	}
	if err := checkBudgetLabel("budgetLabel", in.BudgetLabel); err != nil {
		return Budget{}, err
	}
	if in.LabelID == "" {
		return Budget{}, errorf(KindInvalid, "labelId is required: the id of the project, organization or billing tag")
	}
	if err := fixtures.CheckObjectID("labelId", in.LabelID); err != nil {
		return Budget{}, invalid(err)
	}
	if err := checkBudget(in, BudgetTypeOverride, false); err != nil {
		return Budget{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := &s.st.cost
	if cs.overrides[in.LabelID] != nil {
		return Budget{}, errorf(KindDuplicate, "A budget override for %s already exists: change it with PUT /v4/cost/budgets/overrides/%s", in.LabelID, in.LabelID)
	}
	if len(cs.overrideOrder) >= MaxBudgetOverrides {
		return Budget{}, errorf(KindInvalid, "there are already %d budget overrides, mockdomino's limit: delete one first", MaxBudgetOverrides)
	}
	if err := s.writable(); err != nil {
		return Budget{}, err
	}
	o := &budgetOverride{labelID: in.LabelID, label: in.BudgetLabel, limit: *in.Limit}
	cs.overrides[o.labelID] = o
	cs.overrideOrder = append(cs.overrideOrder, o)
	return o.view(), s.commit(change{cost: &CostChange{CostRecord: CostRecord{BudgetOverrides: []Budget{o.view()}}}})
}

// UpdateBudgetOverride changes an override's limit, and its label if the
// request gives one; a labelId in the body is the path's.
func (s *Store) UpdateBudgetOverride(c Caller, id string, in BudgetInput) (Budget, error) {
	if err := RequireCostAdmin(c); err != nil {
		return Budget{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.cost.overrides[id]
	if o == nil {
		return Budget{}, errorf(KindNotFound, "Budget override %s not found", clip(id))
	}
	if in.LabelID != "" && in.LabelID != id {
		return Budget{}, errorf(KindInvalid, "labelId %q is not the override's id, %s", clip(in.LabelID), id)
	}
	if in.BudgetLabel != "" {
		if err := invalid(oneOfLabels("budgetLabel", in.BudgetLabel)); err != nil {
			return Budget{}, err
		}
	}
	if err := checkBudget(in, BudgetTypeOverride, false); err != nil {
		return Budget{}, err
	}
	if err := s.writable(); err != nil {
		return Budget{}, err
	}
	if in.BudgetLabel != "" {
		o.label = in.BudgetLabel
	}
	o.limit = *in.Limit
	return o.view(), s.commit(change{cost: &CostChange{CostRecord: CostRecord{BudgetOverrides: []Budget{o.view()}}}})
}

// DeleteBudgetOverride deletes an override; the label's default applies
// again. It answers a list of messages (python-domino: "list of messages
// confirming the budget override deletion").
func (s *Store) DeleteBudgetOverride(c Caller, id string) ([]string, error) {
	if err := RequireCostAdmin(c); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := &s.st.cost
	o := cs.overrides[id]
	if o == nil {
		return nil, errorf(KindNotFound, "Budget override %s not found", clip(id))
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	cs.dropOverride(o)
	return []string{"Budget override " + id + " deleted"}, s.commit(change{cost: &CostChange{DelBudgetOverrides: []string{id}}})
}

func (cs *costState) dropOverride(o *budgetOverride) {
	delete(cs.overrides, o.labelID)
	cs.overrideOrder = slices.DeleteFunc(cs.overrideOrder, func(x *budgetOverride) bool { return x == o })
}

// BudgetAlerts are the global budget alert settings.
func (s *Store) BudgetAlerts(c Caller) (BudgetAlertSettings, error) {
	if err := RequireCostAdmin(c); err != nil {
		return BudgetAlertSettings{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.cost.alerts.clone(), nil
}

// SetBudgetAlerts replaces the global budget alert settings. Each field is
// required, as python-domino sends the whole document it read; each label
// is listed at most once, and one left out has no emails afterwards.
func (s *Store) SetBudgetAlerts(c Caller, in AlertSettingsInput) (BudgetAlertSettings, error) {
	if err := RequireCostAdmin(c); err != nil {
		return BudgetAlertSettings{}, err
	}
	switch {
	case in.AlertsEnabled == nil:
		return BudgetAlertSettings{}, errorf(KindInvalid, "alertsEnabled is required: true or false")
	case in.NotifyOrgOwner == nil:
		return BudgetAlertSettings{}, errorf(KindInvalid, "notifyOrgOwner is required: true or false")
	case in.AlertTargets == nil:
		return BudgetAlertSettings{}, errorf(KindInvalid, "alertTargets is required: a list of {label, emails}")
	}
	targets, err := alertTargets("alertTargets", *in.AlertTargets, true)
	if err != nil {
		return BudgetAlertSettings{}, invalid(err)
	}
	a := BudgetAlertSettings{AlertsEnabled: *in.AlertsEnabled, NotifyOrgOwner: *in.NotifyOrgOwner, AlertTargets: targets}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return BudgetAlertSettings{}, err
	}
	s.st.cost.alerts = a
	saved := a.clone()
	return a.clone(), s.commit(change{cost: &CostChange{CostRecord: CostRecord{AlertSettings: &saved}}})
}

// alertTargets checks a list of targets and returns one per label, in
// BudgetLabels' order; bounded caps the emails of one (a request's).
func alertTargets(at string, in []AlertTarget, bounded bool) ([]AlertTarget, error) {
	byLabel := map[string][]string{}
	for i, t := range in {
		field := fmtIndex(at, i)
		if t.Label == "" {
			return nil, fmt.Errorf("%s.label is required: one of %s", field, strings.Join(BudgetLabels, ", "))
		}
		if err := oneOfLabels(field+".label", t.Label); err != nil {
			return nil, err
		}
		if _, twice := byLabel[t.Label]; twice {
			return nil, fmt.Errorf("%s.label %s is listed twice", field, t.Label)
		}
		if bounded && len(t.Emails) > MaxAlertEmails {
			return nil, fmt.Errorf("%s.emails holds %d addresses, more than mockdomino's limit of %d", field, len(t.Emails), MaxAlertEmails)
		}
		emails := []string{}
		for j, e := range t.Emails {
			if err := fixtures.CheckEmail(fmtIndex(field+".emails", j), e); err != nil {
				return nil, err
			}
			if !slices.Contains(emails, e) {
				emails = append(emails, e)
			}
		}
		byLabel[t.Label] = emails
	}
	out := make([]AlertTarget, 0, len(BudgetLabels))
	for _, l := range BudgetLabels {
		emails := byLabel[l]
		if emails == nil {
			emails = []string{}
		}
		out = append(out, AlertTarget{Label: l, Emails: emails})
	}
	return out, nil
}

// ---- billing tags ----

// checkBillingTagName: a billing tag's name is 1 to 100 characters with no
// control character, no surrounding white space, and no '/' or '\' (it is
// a path segment of the tag's routes) (inferred).
func checkBillingTagName(field, name string) error {
	switch {
	case name == "":
		return errorf(KindInvalid, "%s is required", field)
	case !utf8.ValidString(name) || fixtures.HasControl(name) || strings.TrimSpace(name) != name ||
		strings.ContainsAny(name, `/\`) || utf8.RuneCountInString(name) > maxBillingTagNameLen:
		return errorf(KindInvalid, "%s %q is invalid: use 1 to %d characters, no control characters, '/' or '\\', no surrounding white space",
			field, clip(name), maxBillingTagNameLen)
	}
	return nil
}

// ActiveBillingTags lists the active billing tags, in the order they were
// made. Any user may (the 6.2 spec: "billing codes that a user can see"):
// they are what a new project may be charged to.
func (s *Store) ActiveBillingTags(c Caller) []BillingTag {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []BillingTag{}
	for _, t := range s.st.cost.tagOrder {
		if t.active {
			out = append(out, t.view())
		}
	}
	return out
}

// UpsertBillingTags makes the named billing tags active: new ones are made,
// archived ones become active again (python-domino's example: "create new
// or unarchive existing billingtags"). It answers the tags named, once each,
// in the order named.
func (s *Store) UpsertBillingTags(c Caller, names []string) ([]BillingTag, error) {
	if err := RequireCostAdmin(c); err != nil {
		return nil, err
	}
	if names == nil {
		return nil, errorf(KindInvalid, "billingTags is required: a list of billing tag names")
	}
	var unique []string
	for i, name := range names {
		if err := checkBillingTagName(fmtIndex("billingTags", i), name); err != nil {
			return nil, err
		}
		if !slices.Contains(unique, name) {
			unique = append(unique, name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := &s.st.cost
	fresh := 0
	for _, name := range unique {
		if cs.tags[name] == nil {
			fresh++
		}
	}
	if len(cs.tagOrder)+fresh > MaxBillingTags {
		return nil, errorf(KindInvalid, "there would be %d billing tags, more than mockdomino's limit of %d", len(cs.tagOrder)+fresh, MaxBillingTags)
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	ch := &CostChange{}
	out := make([]BillingTag, 0, len(unique))
	for _, name := range unique {
		t := cs.tags[name]
		switch {
		case t == nil:
			t = &billingTag{id: s.newObjectID(), name: name, active: true}
			cs.addTag(t)
			ch.CreatedBillingTags = append(ch.CreatedBillingTags, t.id)
			ch.BillingTags = append(ch.BillingTags, t.record())
		case !t.active:
			t.active = true
			ch.BillingTags = append(ch.BillingTags, t.record())
		}
		out = append(out, t.view())
	}
	if len(ch.BillingTags) == 0 {
		return out, nil // nothing changed
	}
	return out, s.commit(change{cost: ch})
}

func (cs *costState) addTag(t *billingTag) {
	cs.tags[t.name] = t
	cs.tagsByID[t.id] = t
	cs.tagOrder = append(cs.tagOrder, t)
}

func (cs *costState) tag(name string) (*billingTag, error) {
	if t := cs.tags[name]; t != nil {
		return t, nil
	}
	return nil, errorf(KindNotFound, "Billing tag %s not found", clip(name))
}

// BillingTagByName is a billing tag, active or archived.
func (s *Store) BillingTagByName(c Caller, name string) (BillingTagStatus, error) {
	if err := RequireCostAdmin(c); err != nil {
		return BillingTagStatus{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.st.cost.tag(name)
	if err != nil {
		return BillingTagStatus{}, err
	}
	return t.status(), nil
}

// ArchiveBillingTag archives a billing tag: no project is given it again
// (projects that have it keep it, inferred). Archiving an archived tag
// answers as the first time (inferred).
func (s *Store) ArchiveBillingTag(c Caller, name string) (BillingTagStatus, error) {
	if err := RequireCostAdmin(c); err != nil {
		return BillingTagStatus{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.st.cost.tag(name)
	if err != nil || !t.active {
		return t.statusOrZero(), err
	}
	if err := s.writable(); err != nil {
		return BillingTagStatus{}, err
	}
	t.active = false
	return t.status(), s.commit(change{cost: &CostChange{CostRecord: CostRecord{BillingTags: []BillingTagRecord{t.record()}}}})
}

func (t *billingTag) statusOrZero() BillingTagStatus {
	if t == nil {
		return BillingTagStatus{}
	}
	return t.status()
}

// BillingTagSettings are the billing tag mode and notifications.
func (s *Store) BillingTagSettings(c Caller) (BillingTagSettings, error) {
	if err := RequireCostAdmin(c); err != nil {
		return BillingTagSettings{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return BillingTagSettings{Mode: s.st.cost.mode, Notifications: s.st.cost.notifications}, nil
}

// billingTagMode is the mode a request names, in any case (the 6.2 spec
// writes "required", python-domino "Required"), spelled as python-domino
// reads it back.
func billingTagMode(field, mode string) (string, error) {
	if mode == "" {
		return "", errorf(KindInvalid, "%s is required: one of %s", field, strings.Join(BillingTagModes, ", "))
	}
	for _, m := range BillingTagModes {
		if strings.EqualFold(m, mode) {
			return m, nil
		}
	}
	return "", errorf(KindInvalid, "%s %q is invalid: must be one of %s", field, clip(mode), strings.Join(BillingTagModes, ", "))
}

// SetBillingTagMode sets whether new projects may or must have a billing
// tag; it answers the mode.
func (s *Store) SetBillingTagMode(c Caller, mode string) (string, error) {
	if err := RequireCostAdmin(c); err != nil {
		return "", err
	}
	m, err := billingTagMode("mode", mode)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return "", err
	}
	s.st.cost.mode = m
	return m, s.commit(change{cost: &CostChange{CostRecord: CostRecord{BillingTagMode: m}}})
}

// ---- projects' billing tags ----

// assignable is the active billing tag a project may be given.
func (cs *costState) assignable(field, name string) (*billingTag, error) {
	if name == "" {
		return nil, errorf(KindInvalid, "%s is required: the name of an active billing tag", field)
	}
	t := cs.tags[name]
	switch {
	case t == nil:
		return nil, errorf(KindInvalid, "%s: billing tag %q does not exist: create it first", field, clip(name))
	case !t.active:
		return nil, errorf(KindInvalid, "%s: billing tag %q is archived and cannot be assigned", field, name)
	}
	return t, nil
}

// newProjectBillingTag is the billing tag a new project gets, by the mode:
// Required needs one, Disabled takes none (python-domino's example: with a
// billing tag "mode must be Optional or Required", without "Optional or
// Disabled"; the statuses are inferred).
func (cs *costState) newProjectBillingTag(name string) (*billingTag, error) {
	switch {
	case name == "" && cs.mode == "Required":
		return nil, errorf(KindInvalid, "billingTag is required: the billing tag mode is Required, so a new project needs an active billing tag")
	case name != "" && cs.mode == "Disabled":
		return nil, errorf(KindInvalid, "billingTag cannot be given: the billing tag mode is Disabled")
	case name == "":
		return nil, nil
	}
	return cs.assignable("billingTag.tag", name)
}

// forkBillingTag is the billing tag a fork asks for: the request's, else
// its source's while that is active and the mode lets new projects have
// one (inferred; under Disabled a fork that names none is made without).
func (cs *costState) forkBillingTag(src *project, requested *string) string {
	switch {
	case requested != nil:
		return *requested
	case src.billingTag != nil && src.billingTag.active && cs.mode != "Disabled":
		return src.billingTag.name
	}
	return ""
}

// ProjectBillingTag is a project's billing tag, nil for none (python-domino's
// live test reads None for a project without one).
func (s *Store) ProjectBillingTag(c Caller, projectID string) (*BillingTag, error) {
	if err := RequireCostAdmin(c); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.project(projectID)
	if err != nil || p.billingTag == nil {
		return nil, err
	}
	v := p.billingTag.view()
	return &v, nil
}

// SetProjectBillingTag charges a project to an active billing tag, whatever
// the mode (inferred: the mode is about new projects); it answers the
// project.
func (s *Store) SetProjectBillingTag(c Caller, projectID, tag string) (Project, error) {
	if err := RequireCostAdmin(c); err != nil {
		return Project{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.project(projectID)
	if err != nil {
		return Project{}, err
	}
	t, err := s.st.cost.assignable("tag", tag)
	if err != nil {
		return Project{}, err
	}
	if err := s.writable(); err != nil {
		return Project{}, err
	}
	p.billingTag = t
	return p.view(), s.commit(change{projects: []*project{p}})
}

// ResetProjectBillingTag takes a project's billing tag away (a project
// without one answers as one with); it answers the project.
func (s *Store) ResetProjectBillingTag(c Caller, projectID string) (Project, error) {
	if err := RequireCostAdmin(c); err != nil {
		return Project{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.project(projectID)
	if err != nil || p.billingTag == nil {
		return p.viewOrZero(), err
	}
	if err := s.writable(); err != nil {
		return Project{}, err
	}
	p.billingTag = nil
	return p.view(), s.commit(change{projects: []*project{p}})
}

func (p *project) viewOrZero() Project {
	if p == nil {
		return Project{}
	}
	return p.view()
}

// ProjectBillingTagInput is one entry of a bulk update: a project and the
// billing tag to charge it to, nil to take its tag away (the spec's
// billingTag is nullable).
type ProjectBillingTagInput struct {
	ProjectID string
	Tag       *string
}

// SetProjectsBillingTags charges each project listed to its billing tag, all
// or none: a request with one entry the rules refuse changes nothing
// (inferred). A project is listed once. It answers the projects, in the
// order listed.
func (s *Store) SetProjectsBillingTags(c Caller, in []ProjectBillingTagInput) ([]Project, error) {
	if err := RequireCostAdmin(c); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, errorf(KindInvalid, "projectsBillingTags is required: a list of {projectId, billingTag}")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	projects := make([]*project, len(in))
	tags := make([]*billingTag, len(in))
	for i, e := range in {
		at := fmtIndex("projectsBillingTags", i)
		if e.ProjectID == "" {
			return nil, errorf(KindInvalid, "%s.projectId is required", at)
		}
		p, err := s.st.project(e.ProjectID)
		if err != nil {
			return nil, err
		}
		if slices.Contains(projects[:i], p) {
			return nil, errorf(KindInvalid, "%s.projectId %s is listed twice", at, p.id)
		}
		projects[i] = p
		if e.Tag != nil {
			if tags[i], err = s.st.cost.assignable(at+".billingTag.tag", *e.Tag); err != nil {
				return nil, err
			}
		}
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	out := make([]Project, 0, len(in))
	for i, p := range projects {
		p.billingTag = tags[i]
		out = append(out, p.view())
	}
	if len(projects) == 0 {
		return out, nil
	}
	return out, s.commit(change{projects: projects})
}

// ProjectSortColumns are what projects by billing tag sort on (inferred:
// the spec's SortableColumns lists none).
var ProjectSortColumns = []string{"name", "ownerUsername", "billingTag", "created"}

// BillingTagQuery is GET /v4/projects/billingtags/projects's query, its
// defaults filled in by the caller (the spec's: offset 0, pageSize 10,
// sortBy name, sortOrder desc).
type BillingTagQuery struct {
	BillingTag            string // "": any
	NameFilter            string // a substring of the name, any case
	MissingBillingTagOnly bool
	CheckpointProjectID   string // index 0 of the offsets; "": the first match
	Offset, PageSize      int
	SortBy, SortOrder     string
}

// ProjectPage is one page of projects and how many match in all (the v4
// spec's PaginatedProjectSummaryResults).
type ProjectPage struct {
	Page         []Project `json:"page"`
	TotalMatches int       `json:"totalMatches"`
}

// ProjectsByBillingTag pages the live projects that match the query, sorted.
// The offset counts from the checkpoint project ("index 0"); a negative
// offset names the project that ends the page (python-domino's docstring).
// A checkpoint that is not among the matches is refused (inferred).
func (s *Store) ProjectsByBillingTag(c Caller, q BillingTagQuery) (ProjectPage, error) {
	if err := RequireCostAdmin(c); err != nil {
		return ProjectPage{}, err
	}
	if !slices.Contains(ProjectSortColumns, q.SortBy) {
		return ProjectPage{}, errorf(KindInvalid, "sortBy %q is invalid: must be one of %s", clip(q.SortBy), strings.Join(ProjectSortColumns, ", "))
	}
	desc := strings.EqualFold(q.SortOrder, "desc")
	if !desc && !strings.EqualFold(q.SortOrder, "asc") {
		return ProjectPage{}, errorf(KindInvalid, "sortOrder %q is invalid: must be asc or desc", clip(q.SortOrder))
	}
	if q.PageSize < 0 {
		return ProjectPage{}, errorf(KindInvalid, "pageSize %d is invalid: it must not be negative", q.PageSize)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	filter := strings.ToLower(q.NameFilter)
	var matches []*project
	for _, p := range s.st.projectOrder {
		switch {
		case p.archived,
			q.MissingBillingTagOnly && p.billingTag != nil,
			q.BillingTag != "" && (p.billingTag == nil || p.billingTag.name != q.BillingTag),
			filter != "" && !strings.Contains(strings.ToLower(p.name), filter):
			continue
		}
		matches = append(matches, p)
	}
	key := projectSortKey(q.SortBy)
	sort.SliceStable(matches, func(a, b int) bool {
		if desc {
			return key(matches[b]) < key(matches[a])
		}
		return key(matches[a]) < key(matches[b])
	})
	zero := 0
	if q.CheckpointProjectID != "" {
		zero = slices.IndexFunc(matches, func(p *project) bool { return p.id == q.CheckpointProjectID })
		if zero < 0 {
			return ProjectPage{}, errorf(KindInvalid, "checkpointProjectId %s is not among the projects that match", clip(q.CheckpointProjectID))
		}
	}
	// In int64: an offset and a page size of up to 2³¹ do not overflow.
	start := int64(zero) + int64(q.Offset)
	if q.Offset < 0 {
		start = start + 1 - int64(q.PageSize)
	}
	end := start + int64(q.PageSize)
	start, end = max(start, 0), min(end, int64(len(matches)))
	page := ProjectPage{Page: []Project{}, TotalMatches: len(matches)}
	for i := start; i < end; i++ {
		page.Page = append(page.Page, matches[i].view())
	}
	return page, nil
}

func projectSortKey(column string) func(p *project) string {
	switch column {
	case "ownerUsername":
		return func(p *project) string { return strings.ToLower(p.owner.userName) }
	case "billingTag":
		return func(p *project) string {
			if p.billingTag == nil {
				return ""
			}
			return strings.ToLower(p.billingTag.name)
		}
	case "created":
		return func(p *project) string { return p.created.UTC().Format("2006-01-02T15:04:05.000000000") }
	}
	return func(p *project) string { return strings.ToLower(p.name) }
}

// ---- persistence ----

// CostRecord is the cost controls in a state document, and (with
// CostChange) what a log record changed. A document without it holds the
// defaults: no limits, no overrides, alerts off, no billing tags, Optional.
type CostRecord struct {
	BudgetDefaults  []Budget             `json:"budgetDefaults,omitempty"`
	BudgetOverrides []Budget             `json:"budgetOverrides,omitempty"`
	AlertSettings   *BudgetAlertSettings `json:"budgetAlertSettings,omitempty"`
	BillingTags     []BillingTagRecord   `json:"billingTags,omitempty"`
	BillingTagMode  string               `json:"billingTagMode,omitempty"`
	// BillingTagNotifications is the 6.2 spec's notifications setting,
	// which no route of the mock changes yet.
	BillingTagNotifications bool `json:"billingTagNotifications,omitempty"`
}

// BillingTagRecord is one billing tag.
type BillingTagRecord struct {
	ID     string `json:"id"`
	Tag    string `json:"tag"`
	Active bool   `json:"active"`
}

// CostChange is what one log record changed: the budgets, settings and
// billing tags it holds as they are after the change, the overrides it
// deleted, and the ids of the billing tags it made.
type CostChange struct {
	CostRecord
	DelBudgetOverrides []string `json:"delBudgetOverrides,omitempty"`
	CreatedBillingTags []string `json:"createdBillingTags,omitempty"`
}

func (t *billingTag) record() BillingTagRecord {
	return BillingTagRecord{ID: t.id, Tag: t.name, Active: t.active}
}

// record is the cost controls as a document holds them; nil when they are
// the defaults, so that a state without cost controls reads as before.
func (cs *costState) record() *CostRecord {
	r := &CostRecord{}
	for _, l := range BudgetLabels {
		if v := cs.defaults[l]; v != nil {
			r.BudgetDefaults = append(r.BudgetDefaults, defaultBudget(l, v))
		}
	}
	for _, o := range cs.overrideOrder {
		r.BudgetOverrides = append(r.BudgetOverrides, o.view())
	}
	if a := cs.alerts.clone(); !a.isDefault() {
		r.AlertSettings = &a
	}
	for _, t := range cs.tagOrder {
		r.BillingTags = append(r.BillingTags, t.record())
	}
	if cs.mode != DefaultBillingTagMode {
		r.BillingTagMode = cs.mode
	}
	r.BillingTagNotifications = cs.notifications
	if r.BudgetDefaults == nil && r.BudgetOverrides == nil && r.AlertSettings == nil && r.BillingTags == nil &&
		r.BillingTagMode == "" && !r.BillingTagNotifications {
		return nil
	}
	return r
}

func (a BudgetAlertSettings) isDefault() bool {
	if a.AlertsEnabled || a.NotifyOrgOwner {
		return false
	}
	for _, t := range a.AlertTargets {
		if len(t.Emails) > 0 {
			return false
		}
	}
	return true
}

// loadCost builds the cost controls of a state document after checking
// them by the rules the routes apply (but the mock's limits); the billing
// tags' ids are checked against every other id of the document.
func (st *state) loadCost(check *fixtures.Checker, r *CostRecord) error {
	cs := newCostState()
	st.cost = cs
	if r == nil {
		return nil
	}
	for i, b := range r.BudgetDefaults {
		at := fmtIndex("cost.budgetDefaults", i)
		if err := oneOfLabels(at+".budgetLabel", b.BudgetLabel); err != nil {
			return err
		}
		if _, twice := cs.defaults[b.BudgetLabel]; twice {
			return fmt.Errorf("%s.budgetLabel %s is listed twice", at, b.BudgetLabel)
		}
		if err := checkBudgetRecord(at, b, BudgetTypeDefault, true); err != nil {
			return err
		}
		cs.defaults[b.BudgetLabel] = defaultBudget(b.BudgetLabel, b.Limit).Limit
	}
	for i, b := range r.BudgetOverrides {
		at := fmtIndex("cost.budgetOverrides", i)
		if err := fixtures.CheckObjectID(at+".labelId", b.LabelID); err != nil {
			return err
		}
		if cs.overrides[b.LabelID] != nil {
			return fmt.Errorf("%s.labelId %s is listed twice", at, b.LabelID)
		}
		if err := oneOfLabels(at+".budgetLabel", b.BudgetLabel); err != nil {
			return err
		}
		if err := checkBudgetRecord(at, b, BudgetTypeOverride, false); err != nil {
			return err
		}
		o := &budgetOverride{labelID: b.LabelID, label: b.BudgetLabel, limit: *b.Limit}
		cs.overrides[o.labelID] = o
		cs.overrideOrder = append(cs.overrideOrder, o)
	}
	if a := r.AlertSettings; a != nil {
		targets, err := alertTargets("cost.budgetAlertSettings.alertTargets", a.AlertTargets, false)
		if err != nil {
			return err
		}
		cs.alerts = BudgetAlertSettings{AlertsEnabled: a.AlertsEnabled, NotifyOrgOwner: a.NotifyOrgOwner, AlertTargets: targets}
	}
	for i, t := range r.BillingTags {
		at := fmtIndex("cost.billingTags", i)
		if err := fixtures.CheckObjectID(at+".id", t.ID); err != nil {
			return err
		}
		if err := check.ID(at+".id", t.ID); err != nil {
			return err
		}
		if err := checkBillingTagName(at+".tag", t.Tag); err != nil {
			return err
		}
		if cs.tags[t.Tag] != nil {
			return fmt.Errorf("%s.tag %q is already the name of billing tag %s", at, t.Tag, cs.tags[t.Tag].id)
		}
		cs.addTag(&billingTag{id: t.ID, name: t.Tag, active: t.Active})
	}
	if r.BillingTagMode != "" {
		if !slices.Contains(BillingTagModes, r.BillingTagMode) {
			return fmt.Errorf("cost.billingTagMode %q is invalid: must be one of %s", clip(r.BillingTagMode), strings.Join(BillingTagModes, ", "))
		}
		cs.mode = r.BillingTagMode
	}
	cs.notifications = r.BillingTagNotifications
	st.cost = cs
	return nil
}

func checkBudgetRecord(at string, b Budget, budgetType string, nullable bool) error {
	if b.BudgetType != "" && b.BudgetType != budgetType {
		return fmt.Errorf("%s.budgetType %q is invalid: must be %s", at, clip(b.BudgetType), budgetType)
	}
	if b.Window != "" && b.Window != BudgetWindow {
		return fmt.Errorf("%s.window %q is invalid: must be %s", at, clip(b.Window), BudgetWindow)
	}
	return checkLimit(at+".limit", b.Limit, b.Limit != nil || nullable, nullable)
}

// checkProjectBillingTag checks projects[i]'s billing tag: one of the
// document's (an archived one too: a project keeps its tag).
func (st *state) checkProjectBillingTag(i int, r ProjectRecord) error {
	if r.BillingTagID != "" && st.cost.tagsByID[r.BillingTagID] == nil {
		return fmt.Errorf("projects[%d].billingTagId %q is not in cost.billingTags", i, clip(r.BillingTagID))
	}
	return nil
}

// costReplay rebuilds the cost controls from a snapshot and log records.
type costReplay struct {
	defaults      orderedMap[Budget]           // by label
	overrides     orderedMap[Budget]           // by labelId, in creation order
	tags          orderedMap[BillingTagRecord] // by id
	alerts        *BudgetAlertSettings
	mode          string
	notifications bool
}

func budgetLabelKey(b Budget) string          { return b.BudgetLabel }
func budgetOverrideKey(b Budget) string       { return b.LabelID }
func billingTagKey(t BillingTagRecord) string { return t.ID }

func (r *costReplay) load(c *CostRecord) error {
	*r = costReplay{}
	if c == nil {
		return nil
	}
	for _, err := range []error{
		putAll("cost.budgetDefaults", &r.defaults, c.BudgetDefaults, budgetLabelKey),
		putAll("cost.budgetOverrides", &r.overrides, c.BudgetOverrides, budgetOverrideKey),
		putAll("cost.billingTags", &r.tags, c.BillingTags, billingTagKey),
	} {
		if err != nil {
			return err
		}
	}
	r.alerts, r.mode, r.notifications = c.AlertSettings, c.BillingTagMode, c.BillingTagNotifications
	return nil
}

func (r *costReplay) apply(c *CostChange) error {
	if c == nil {
		return nil
	}
	if err := creates("billing tag", c.CreatedBillingTags, &r.tags, c.BillingTags, billingTagKey); err != nil {
		return err
	}
	for _, b := range c.BudgetDefaults {
		r.defaults.put(b.BudgetLabel, b)
	}
	for _, id := range c.DelBudgetOverrides {
		r.overrides.drop(id)
	}
	for _, b := range c.BudgetOverrides {
		r.overrides.put(b.LabelID, b)
	}
	for _, t := range c.BillingTags {
		r.tags.put(t.ID, t)
	}
	if c.AlertSettings != nil {
		r.alerts = c.AlertSettings
	}
	if c.BillingTagMode != "" {
		r.mode = c.BillingTagMode
	}
	return nil
}

func (r *costReplay) result() *CostRecord {
	c := &CostRecord{BudgetDefaults: r.defaults.values(), BudgetOverrides: r.overrides.values(), AlertSettings: r.alerts,
		BillingTags: r.tags.values(), BillingTagMode: r.mode, BillingTagNotifications: r.notifications}
	if len(c.BudgetDefaults) == 0 && len(c.BudgetOverrides) == 0 && c.AlertSettings == nil && len(c.BillingTags) == 0 &&
		c.BillingTagMode == "" && !c.BillingTagNotifications {
		return nil
	}
	return c
}

// drop deletes k and forgets where it was listed, so that a key deleted
// and put again is listed where it was put last (an override made again
// lists last, as in memory).
func (o *orderedMap[V]) drop(k string) {
	if !o.listed[k] {
		return
	}
	delete(o.m, k)
	delete(o.listed, k)
	o.keys = slices.DeleteFunc(o.keys, func(x string) bool { return x == k })
}
