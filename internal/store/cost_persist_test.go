package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Persistence of the cost controls: every change survives a restart (from
// the log, then from the snapshot), the log holds what changed and says
// which billing tags it made, replay refuses what the mock cannot have
// written, a refused write is undone, and a state document's cost controls
// are checked by the routes' rules.

// walCost gives a store some of everything: a default limit, two
// overrides, alert settings, the Required mode, two tags (one archived) and
// the fixtures' project charged to the active one.
func walCost(t *testing.T, s *Store, a Caller) {
	t.Helper()
	walOK(s.SetBudgetDefault(a, "Project", limitIn(num(0.0006)))).must(t)
	walOK(s.CreateBudgetOverride(a, BudgetInput{LabelID: "6626b3c64fa2ef89b5def375", BudgetLabel: "Project", Limit: num(0.2048), LimitGiven: true})).must(t)
	walOK(s.CreateBudgetOverride(a, BudgetInput{LabelID: "6626b3cf9106c3938a2c5f01", BudgetLabel: "Organization", Limit: num(3), LimitGiven: true})).must(t)
	yes := true
	walOK(s.SetBudgetAlerts(a, AlertSettingsInput{AlertsEnabled: &yes, NotifyOrgOwner: &yes,
		AlertTargets: &[]AlertTarget{{Label: "Project", Emails: []string{"p@example.com"}}}})).must(t)
	walOK(s.UpsertBillingTags(a, []string{"cc-1", "cc-old"})).must(t)
	walOK(s.ArchiveBillingTag(a, "cc-old")).must(t)
	walOK(s.SetProjectBillingTag(a, walProject, "cc-1")).must(t)
	walOK(s.SetBillingTagMode(a, "Required")).must(t)
}

func TestPersistCostChangesSurviveReopen(t *testing.T) {
	no := false
	for _, c := range []struct {
		name   string
		setup  bool
		change func(t *testing.T, s *Store, a Caller)
	}{
		{name: "everything at once", change: func(t *testing.T, s *Store, a Caller) { walCost(t, s, a) }},
		{name: "a default limit taken away", setup: true, change: func(t *testing.T, s *Store, a Caller) {
			walOK(s.SetBudgetDefault(a, "Project", limitIn(nil))).must(t)
		}},
		{name: "an override changed, one deleted and made again", setup: true, change: func(t *testing.T, s *Store, a Caller) {
			walOK(s.UpdateBudgetOverride(a, "6626b3c64fa2ef89b5def375", BudgetInput{BudgetLabel: "BillingTag", Limit: num(9), LimitGiven: true})).must(t)
			walOK(s.DeleteBudgetOverride(a, "6626b3c64fa2ef89b5def375")).must(t)
			walOK(s.CreateBudgetOverride(a, BudgetInput{LabelID: "6626b3c64fa2ef89b5def375", BudgetLabel: "Project", Limit: num(1), LimitGiven: true})).must(t)
		}},
		{name: "alerts off again", setup: true, change: func(t *testing.T, s *Store, a Caller) {
			walOK(s.SetBudgetAlerts(a, AlertSettingsInput{AlertsEnabled: &no, NotifyOrgOwner: &no, AlertTargets: &[]AlertTarget{}})).must(t)
		}},
		{name: "a tag unarchived, another made", setup: true, change: func(t *testing.T, s *Store, a Caller) {
			walOK(s.UpsertBillingTags(a, []string{"cc-old", "cc-2"})).must(t)
		}},
		{name: "the project's tag taken away, then projects in bulk", setup: true, change: func(t *testing.T, s *Store, a Caller) {
			walOK(s.ResetProjectBillingTag(a, walProject)).must(t)
			p := walOK(s.CreateProject(a, ProjectInput{Name: "tagged", BillingTag: "cc-1"})).must(t)
			tag := "cc-1"
			walOK(s.SetProjectsBillingTags(a, []ProjectBillingTagInput{{ProjectID: walProject, Tag: &tag}, {ProjectID: p.ID}})).must(t)
		}},
		{name: "the mode", setup: true, change: func(t *testing.T, s *Store, a Caller) {
			walOK(s.SetBillingTagMode(a, "disabled")).must(t)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			if c.setup {
				walCost(t, s, a)
				s = walReopen(t, s, dir)
			}
			fresh := walJSON(t, s)
			c.change(t, s, a)
			if walJSON(t, s) == fresh {
				t.Fatal("the change changed nothing")
			}
			s = walReopen(t, s, dir) // from the log
			s = walReopen(t, s, dir) // from the snapshot
			walClose(t, s)
		})
	}
}

// TestPersistCostRecords: a record holds what changed, not every billing
// tag or override, and names the billing tags it made.
func TestPersistCostRecords(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	defer s.Close()
	a := walAdmin(t, s)
	walCost(t, s, a)
	cost := func() (CostChange, map[string]json.RawMessage) {
		rec := walLastRecord(t, dir)
		var c CostChange
		if err := json.Unmarshal(rec["cost"], &c); err != nil {
			t.Fatalf("record %v: %v", rec, err)
		}
		return c, rec
	}
	tags := walOK(s.UpsertBillingTags(a, []string{"cc-1", "new-one"})).must(t)
	c, _ := cost()
	if len(c.BillingTags) != 1 || c.BillingTags[0].Tag != "new-one" || len(c.CreatedBillingTags) != 1 || c.CreatedBillingTags[0] != c.BillingTags[0].ID {
		t.Errorf("upserting %v logged %+v", tags, c)
	}
	walOK(s.ArchiveBillingTag(a, "new-one")).must(t)
	if c, _ := cost(); len(c.BillingTags) != 1 || c.BillingTags[0].Active || len(c.CreatedBillingTags) != 0 {
		t.Errorf("archiving logged %+v", c)
	}
	walOK(s.DeleteBudgetOverride(a, "6626b3cf9106c3938a2c5f01")).must(t)
	if c, _ := cost(); fmt.Sprint(c.DelBudgetOverrides) != "[6626b3cf9106c3938a2c5f01]" || len(c.BudgetOverrides) != 0 {
		t.Errorf("deleting logged %+v", c)
	}
	walOK(s.SetProjectBillingTag(a, walProject, "cc-1")).must(t)
	rec := walLastRecord(t, dir)
	var projects []ProjectRecord
	if err := json.Unmarshal(rec["projects"], &projects); err != nil || len(projects) != 1 || projects[0].BillingTagID == "" {
		t.Errorf("assigning logged %s", rec["projects"])
	}
	if _, ok := rec["cost"]; ok {
		t.Errorf("assigning a tag logged the cost controls: %s", rec["cost"])
	}
	// Nothing changed, nothing logged.
	n := len(walLines(t, dir))
	walOK(s.UpsertBillingTags(a, []string{"cc-1"})).must(t)
	walOK(s.ArchiveBillingTag(a, "new-one")).must(t)
	if len(walLines(t, dir)) != n {
		t.Errorf("a change that changed nothing was logged")
	}
}

// TestPersistReplayRefusesCostRecords: records the mock cannot have written
// stop start-up with the log's line.
func TestPersistReplayRefusesCostRecords(t *testing.T) {
	for _, c := range []struct {
		name string
		rec  func(ex Snapshot) walRecord
		want string
	}{
		{"a billing tag that exists, made again", func(ex Snapshot) walRecord {
			tag := ex.Cost.BillingTags[0]
			tag.Tag = "impostor"
			return walRecord{Cost: &CostChange{CostRecord: CostRecord{BillingTags: []BillingTagRecord{tag}}, CreatedBillingTags: []string{tag.ID}}}
		}, "creates billing tag"},
		{"a billing tag made but not held", func(ex Snapshot) walRecord {
			return walRecord{Cost: &CostChange{CreatedBillingTags: []string{"64b7f0a1c2d3e4f5a6b7cdee"}}}
		}, "does not hold it"},
		{"a project charged to a tag that does not exist", func(ex Snapshot) walRecord {
			p := ex.Projects[0]
			p.BillingTagID = unknownID
			return walRecord{Projects: []ProjectRecord{p}}
		}, "billingTagId"},
		{"a mode the rules refuse", func(ex Snapshot) walRecord {
			return walRecord{Cost: &CostChange{CostRecord: CostRecord{BillingTagMode: "Sometimes"}}}
		}, "billingTagMode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			walCost(t, s, walAdmin(t, s))
			ex := s.Export(true)
			seq := s.p.seq
			walClose(t, s)
			rec := c.rec(ex)
			rec.Seq = seq + 1
			walAppend(t, filepath.Join(dir, walFile), walLine(t, rec, nil))
			before := walDirFiles(t, dir)
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open replayed the record")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			walSameFiles(t, "the refused Open", before, dir)
		})
	}
}

// TestPersistRefusedCostWriteIsUndone: as for every other change, a change
// whose record cannot be written is answered 503 and not seen afterwards.
func TestPersistRefusedCostWriteIsUndone(t *testing.T) {
	ignore := func(_ any, err error) error { return err }
	yes := true
	tag := "cc-1"
	for _, c := range []struct {
		name   string
		change func(s *Store, a Caller) error
	}{
		{"default", func(s *Store, a Caller) error { return ignore(s.SetBudgetDefault(a, "BillingTag", limitIn(num(5)))) }},
		{"create override", func(s *Store, a Caller) error {
			return ignore(s.CreateBudgetOverride(a, BudgetInput{LabelID: unknownID, BudgetLabel: "Project", Limit: num(1), LimitGiven: true}))
		}},
		{"update override", func(s *Store, a Caller) error {
			return ignore(s.UpdateBudgetOverride(a, "6626b3c64fa2ef89b5def375", limitIn(num(7))))
		}},
		{"delete override", func(s *Store, a Caller) error { return ignore(s.DeleteBudgetOverride(a, "6626b3c64fa2ef89b5def375")) }},
		{"alerts", func(s *Store, a Caller) error {
			return ignore(s.SetBudgetAlerts(a, AlertSettingsInput{AlertsEnabled: &yes, NotifyOrgOwner: &yes, AlertTargets: &[]AlertTarget{}}))
		}},
		{"create tags", func(s *Store, a Caller) error { return ignore(s.UpsertBillingTags(a, []string{"lost", "cc-old"})) }},
		{"archive a tag", func(s *Store, a Caller) error { return ignore(s.ArchiveBillingTag(a, "cc-1")) }},
		{"mode", func(s *Store, a Caller) error { return ignore(s.SetBillingTagMode(a, "Disabled")) }},
		{"reset a project's tag", func(s *Store, a Caller) error { return ignore(s.ResetProjectBillingTag(a, walProject)) }},
		{"bulk", func(s *Store, a Caller) error {
			return ignore(s.SetProjectsBillingTags(a, []ProjectBillingTagInput{{ProjectID: walProject}}))
		}},
		{"a new project with a tag", func(s *Store, a Caller) error {
			return ignore(s.CreateProject(a, ProjectInput{Name: "lost", BillingTag: tag}))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			walCost(t, s, a)
			acked := walJSON(t, s)
			if err := s.p.log.Close(); err != nil {
				t.Fatal(err)
			}
			if err := c.change(s, a); KindOf(err) != KindUnavailable {
				t.Fatalf("err = %v, want KindUnavailable", err)
			}
			walSameState(t, "in memory after the refused change", acked, walJSON(t, s))
			s.Close()
			s = walOpen(t, dir)
			defer s.Close()
			walSameState(t, "after a restart", acked, walJSON(t, s))
		})
	}
}

// TestCostDocumentRules: a state document's cost controls are checked by the
// routes' rules, with the entry named; one without them holds the defaults,
// and a state with the defaults exports none.
func TestCostDocumentRules(t *testing.T) {
	s := newStore(t)
	if ex := s.Export(true); ex.Cost != nil {
		t.Fatalf("a fresh state exports cost controls: %+v", ex.Cost)
	}
	a := caller(t, s, "admin")
	walCost(t, s, a)
	base := s.Export(true)
	if base.Cost == nil || len(base.Cost.BillingTags) != 2 || base.Projects[0].BillingTagID != base.Cost.BillingTags[0].ID {
		t.Fatalf("unexpected base state: %+v", base.Cost)
	}
	for _, c := range []struct {
		name string
		snap func(*Snapshot)
		want string
	}{
		{"a default of an unknown label", func(s *Snapshot) { s.Cost.BudgetDefaults[0].BudgetLabel = "Team" },
			`cost.budgetDefaults[0].budgetLabel "Team" is invalid`},
		{"a label's default twice", func(s *Snapshot) {
			s.Cost.BudgetDefaults = append(s.Cost.BudgetDefaults, s.Cost.BudgetDefaults[0])
		}, "cost.budgetDefaults[1].budgetLabel Project is listed twice"},
		{"a negative default", func(s *Snapshot) { s.Cost.BudgetDefaults[0].Limit = num(-1) }, "cost.budgetDefaults[0].limit -1 is invalid"},
		{"a default with an override's type", func(s *Snapshot) { s.Cost.BudgetDefaults[0].BudgetType = "Override" }, "cost.budgetDefaults[0].budgetType"},
		{"an override without a limit", func(s *Snapshot) { s.Cost.BudgetOverrides[0].Limit = nil }, "cost.budgetOverrides[0].limit is required"},
		{"an override of an id that is not 24 hex", func(s *Snapshot) { s.Cost.BudgetOverrides[0].LabelID = "x" }, "cost.budgetOverrides[0].labelId"},
		{"an override twice", func(s *Snapshot) { s.Cost.BudgetOverrides[1].LabelID = s.Cost.BudgetOverrides[0].LabelID }, "listed twice"},
		{"an override's window", func(s *Snapshot) { s.Cost.BudgetOverrides[1].Window = "daily" }, "cost.budgetOverrides[1].window"},
		{"an alert email", func(s *Snapshot) { s.Cost.AlertSettings.AlertTargets[2].Emails = []string{"x"} }, "cost.budgetAlertSettings.alertTargets[2].emails[0]"},
		{"a billing tag's id used twice", func(s *Snapshot) { s.Cost.BillingTags[1].ID = s.Projects[0].ID }, "cost.billingTags[1].id"},
		{"a billing tag's name", func(s *Snapshot) { s.Cost.BillingTags[1].Tag = "a/b" }, `cost.billingTags[1].tag "a/b"`},
		{"two billing tags of one name", func(s *Snapshot) { s.Cost.BillingTags[1].Tag = s.Cost.BillingTags[0].Tag }, "already the name of billing tag"},
		{"a mode", func(s *Snapshot) { s.Cost.BillingTagMode = "required" }, `cost.billingTagMode "required"`},
		{"a project charged to a tag the document lacks", func(s *Snapshot) { s.Projects[0].BillingTagID = unknownID }, "projects[0].billingTagId"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var snap Snapshot
			data, _ := json.Marshal(base)
			json.Unmarshal(data, &snap)
			c.snap(&snap)
			err := s.Import(snap)
			if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
	// A project charged to an archived tag keeps it; the document imports as exported.
	if err := s.Import(base); err != nil {
		t.Fatal(err)
	}
	var noCost Snapshot
	data, _ := json.Marshal(base)
	json.Unmarshal(data, &noCost)
	noCost.Cost, noCost.Projects[0].BillingTagID = nil, ""
	if err := s.Import(noCost); err != nil {
		t.Fatalf("a document without cost controls: %v", err)
	}
	if set, _ := s.BillingTagSettings(a); set.Mode != "Optional" {
		t.Errorf("mode %q", set.Mode)
	}
	if ex := s.Export(true); ex.Cost != nil {
		t.Errorf("exports %+v", ex.Cost)
	}
}
