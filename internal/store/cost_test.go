package store

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The cost controls' rules (cost.go): who may, what a budget's limit, a
// billing tag's name and the mode may be, which tags a project may be given,
// and how projects are paged by billing tag.

func num(v float64) *float64 { return &v }

func limitIn(v *float64) BudgetInput { return BudgetInput{Limit: v, LimitGiven: true} }

func TestCostRoutesAreAnAdministrators(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	errs := map[string]error{}
	_, errs["defaults"] = s.BudgetDefaults(alice)
	_, errs["set default"] = s.SetBudgetDefault(alice, "Project", limitIn(num(1)))
	_, errs["overrides"] = s.BudgetOverrides(alice)
	_, errs["create override"] = s.CreateBudgetOverride(alice, BudgetInput{BudgetLabel: "Project", LabelID: defProjectID, Limit: num(1), LimitGiven: true})
	_, errs["update override"] = s.UpdateBudgetOverride(alice, defProjectID, limitIn(num(1)))
	_, errs["delete override"] = s.DeleteBudgetOverride(alice, defProjectID)
	_, errs["alerts"] = s.BudgetAlerts(alice)
	_, errs["set alerts"] = s.SetBudgetAlerts(alice, AlertSettingsInput{})
	_, errs["create tags"] = s.UpsertBillingTags(alice, []string{"a"})
	_, errs["tag by name"] = s.BillingTagByName(alice, "a")
	_, errs["archive tag"] = s.ArchiveBillingTag(alice, "a")
	_, errs["settings"] = s.BillingTagSettings(alice)
	_, errs["set mode"] = s.SetBillingTagMode(alice, "Required")
	_, errs["project's tag"] = s.ProjectBillingTag(alice, defProjectID)
	_, errs["set project's tag"] = s.SetProjectBillingTag(alice, defProjectID, "a")
	_, errs["reset project's tag"] = s.ResetProjectBillingTag(alice, defProjectID)
	_, errs["bulk"] = s.SetProjectsBillingTags(alice, []ProjectBillingTagInput{})
	_, errs["by tag"] = s.ProjectsByBillingTag(alice, BillingTagQuery{SortBy: "name", SortOrder: "desc", PageSize: 10})
	for what, err := range errs {
		if KindOf(err) != KindForbidden || !strings.Contains(err.Error(), "only administrators") {
			t.Errorf("%s as alice: %v, want forbidden", what, err)
		}
	}
	// The active billing tags are what any user may charge a project to.
	admin := caller(t, s, "admin")
	if _, err := s.UpsertBillingTags(admin, []string{"cc-1"}); err != nil {
		t.Fatal(err)
	}
	if got := s.ActiveBillingTags(alice); len(got) != 1 || got[0].Tag != "cc-1" {
		t.Errorf("alice sees %v", got)
	}
}

func TestBudgetDefaults(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	list, err := s.BudgetDefaults(admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("defaults %+v, want one per label", list)
	}
	for i, b := range list {
		if b.BudgetLabel != BudgetLabels[i] || b.BudgetType != "Default" || b.Limit != nil || b.Window != "monthly" || b.LabelID != "" {
			t.Errorf("default %d: %+v, want no limit (documented)", i, b)
		}
	}
	for _, c := range []struct {
		name, label string
		in          BudgetInput
		kind        Kind
		want        string
	}{
		{"python-domino's body", "Project", BudgetInput{BudgetLabel: "Project", BudgetType: "Default", Limit: num(0.0006), LimitGiven: true, Window: "monthly"}, 0, ""},
		{"zero", "Organization", limitIn(num(0)), 0, ""},
		{"null takes the limit away", "Organization", limitIn(nil), 0, ""},
		{"a negative limit", "Project", limitIn(num(-1)), KindInvalid, "non-negative"},
		{"no limit", "Project", BudgetInput{BudgetLabel: "Project"}, KindInvalid, "limit is required"},
		{"an unknown label", "Team", limitIn(num(1)), KindNotFound, `"Team"`},
		{"the label in any case", "project", limitIn(num(1)), KindNotFound, "labels are BillingTag"},
		{"another label in the body", "Project", BudgetInput{BudgetLabel: "BillingTag", Limit: num(1), LimitGiven: true}, KindInvalid, "not the label of the path"},
		{"an override's type", "Project", BudgetInput{BudgetType: "Override", Limit: num(1), LimitGiven: true}, KindInvalid, "budgetType"},
		{"a weekly window", "Project", BudgetInput{Window: "weekly", Limit: num(1), LimitGiven: true}, KindInvalid, "monthly"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := s.SetBudgetDefault(admin, c.label, c.in)
			if KindOf(err) != c.kind || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want kind %d mentioning %q", err, c.kind, c.want)
			}
			if err != nil {
				return
			}
			got, _ := s.BudgetDefaults(admin)
			i := slices.Index(BudgetLabels, c.label)
			same := func(x, y *float64) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
			if got[i].BudgetLabel != c.label || !same(got[i].Limit, b.Limit) || !same(b.Limit, c.in.Limit) {
				t.Errorf("answered %+v, reads back %+v", b, got[i])
			}
		})
	}
}

func TestBudgetOverrides(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	// python-domino's live test: fixed ids of all three labels, none an
	// entity the deployment need have.
	ids := []string{"6626b3c64fa2ef89b5def375", "6626b3cf9106c3938a2c5f01", "6626b3d73473d4a99c2c642b"}
	for i, label := range []string{"Project", "Organization", "BillingTag"} {
		b, err := s.CreateBudgetOverride(admin, BudgetInput{LabelID: ids[i], BudgetLabel: label, BudgetType: "Override", Limit: num(0.2048), LimitGiven: true, Window: "monthly"})
		if err != nil || b.LabelID != ids[i] || *b.Limit != 0.2048 || b.BudgetType != "Override" {
			t.Fatalf("create %s: %+v %v", label, b, err)
		}
	}
	for _, c := range []struct {
		name string
		in   BudgetInput
		kind Kind
		want string
	}{
		{"the same id again", BudgetInput{LabelID: ids[0], BudgetLabel: "Project", Limit: num(1), LimitGiven: true}, KindDuplicate, "already exists"},
		{"no label", BudgetInput{LabelID: defProjectID, Limit: num(1), LimitGiven: true}, KindInvalid, "budgetLabel is required"},
		{"an unknown label", BudgetInput{LabelID: defProjectID, BudgetLabel: "User", Limit: num(1), LimitGiven: true}, KindInvalid, `budgetLabel "User" is invalid`},
		{"no id", BudgetInput{BudgetLabel: "Project", Limit: num(1), LimitGiven: true}, KindInvalid, "labelId is required"},
		{"an id that is not an ObjectId", BudgetInput{LabelID: "quick-start", BudgetLabel: "Project", Limit: num(1), LimitGiven: true}, KindInvalid, "24 lower-case hex"},
		{"a negative limit", BudgetInput{LabelID: defProjectID, BudgetLabel: "Project", Limit: num(-0.01), LimitGiven: true}, KindInvalid, "non-negative"},
		{"a null limit", BudgetInput{LabelID: defProjectID, BudgetLabel: "Project", LimitGiven: true}, KindInvalid, "limit is required"},
		{"a default's type", BudgetInput{LabelID: defProjectID, BudgetLabel: "Project", BudgetType: "Default", Limit: num(1), LimitGiven: true}, KindInvalid, "budgetType"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateBudgetOverride(admin, c.in)
			if KindOf(err) != c.kind || !strings.Contains(fmt.Sprint(err), c.want) {
				t.Fatalf("err = %v, want kind %d mentioning %q", err, c.kind, c.want)
			}
		})
	}
	// Update: the limit, and the label if given; the body's id is the path's.
	b, err := s.UpdateBudgetOverride(admin, ids[2], BudgetInput{LabelID: ids[2], BudgetLabel: "BillingTag", Limit: num(0.1024), LimitGiven: true})
	if err != nil || *b.Limit != 0.1024 {
		t.Fatalf("update: %+v %v", b, err)
	}
	if b, err = s.UpdateBudgetOverride(admin, ids[2], limitIn(num(3))); err != nil || b.BudgetLabel != "BillingTag" || *b.Limit != 3 {
		t.Fatalf("update without a label: %+v %v", b, err)
	}
	for _, c := range []struct {
		name, id string
		in       BudgetInput
		kind     Kind
	}{
		{"an unknown override", defProjectID, limitIn(num(1)), KindNotFound},
		{"another id in the body", ids[2], BudgetInput{LabelID: ids[0], Limit: num(1), LimitGiven: true}, KindInvalid},
		{"a negative limit", ids[2], limitIn(num(-5)), KindInvalid},
		{"an unknown label", ids[2], BudgetInput{BudgetLabel: "Team", Limit: num(1), LimitGiven: true}, KindInvalid},
	} {
		if _, err := s.UpdateBudgetOverride(admin, c.id, c.in); KindOf(err) != c.kind {
			t.Errorf("update, %s: %v, want kind %d", c.name, err, c.kind)
		}
	}
	// Delete: a list of messages; the rest stay, in the order they were made.
	msgs, err := s.DeleteBudgetOverride(admin, ids[1])
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0], ids[1]) {
		t.Fatalf("delete: %v %v", msgs, err)
	}
	if _, err := s.DeleteBudgetOverride(admin, ids[1]); KindOf(err) != KindNotFound {
		t.Errorf("delete again: %v", err)
	}
	s.CreateBudgetOverride(admin, BudgetInput{LabelID: ids[1], BudgetLabel: "Organization", Limit: num(1), LimitGiven: true})
	list, _ := s.BudgetOverrides(admin)
	var got []string
	for _, b := range list {
		got = append(got, b.LabelID)
	}
	if want := []string{ids[0], ids[2], ids[1]}; !slices.Equal(got, want) {
		t.Errorf("overrides %v, want %v", got, want)
	}
}

func TestBudgetOverrideLimit(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	s.mu.Lock()
	for i := range MaxBudgetOverrides {
		o := &budgetOverride{labelID: fmt.Sprintf("%024x", i), label: "Project"}
		s.st.cost.overrides[o.labelID] = o
		s.st.cost.overrideOrder = append(s.st.cost.overrideOrder, o)
	}
	s.mu.Unlock()
	_, err := s.CreateBudgetOverride(admin, BudgetInput{LabelID: defProjectID, BudgetLabel: "Project", Limit: num(1), LimitGiven: true})
	if KindOf(err) != KindInvalid || !strings.Contains(err.Error(), "limit") {
		t.Errorf("the 10,001st override: %v", err)
	}
}

func TestBudgetAlertSettings(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	a, err := s.BudgetAlerts(admin)
	if err != nil {
		t.Fatal(err)
	}
	// Alerts are not configured by default (documented); every label has a
	// target, so python-domino's budget_alerts_targets_update can set it.
	if a.AlertsEnabled || a.NotifyOrgOwner || len(a.AlertTargets) != 3 {
		t.Fatalf("defaults %+v", a)
	}
	yes, no := true, false
	targets := []AlertTarget{{Label: "Project", Emails: []string{"projects@example.com", "projects@example.com"}}, {Label: "BillingTag", Emails: []string{"bt@example.com"}}}
	got, err := s.SetBudgetAlerts(admin, AlertSettingsInput{AlertsEnabled: &yes, NotifyOrgOwner: &no, AlertTargets: &targets})
	if err != nil {
		t.Fatal(err)
	}
	want := `{true false [{BillingTag [bt@example.com]} {Organization []} {Project [projects@example.com]}]}`
	if fmt.Sprint(got) != want {
		t.Errorf("settings %v, want %s", got, want)
	}
	// What the answer holds is a copy.
	got.AlertTargets[0].Emails[0] = "changed@example.com"
	if again, _ := s.BudgetAlerts(admin); fmt.Sprint(again) != want {
		t.Errorf("reads back %v", again)
	}
	for _, c := range []struct {
		name string
		in   AlertSettingsInput
		want string
	}{
		{"no alertsEnabled", AlertSettingsInput{NotifyOrgOwner: &no, AlertTargets: &targets}, "alertsEnabled is required"},
		{"no notifyOrgOwner", AlertSettingsInput{AlertsEnabled: &no, AlertTargets: &targets}, "notifyOrgOwner is required"},
		{"no targets", AlertSettingsInput{AlertsEnabled: &no, NotifyOrgOwner: &no}, "alertTargets is required"},
		{"an unknown label", AlertSettingsInput{AlertsEnabled: &no, NotifyOrgOwner: &no, AlertTargets: &[]AlertTarget{{Label: "Team"}}}, `alertTargets[0].label "Team"`},
		{"a label twice", AlertSettingsInput{AlertsEnabled: &no, NotifyOrgOwner: &no, AlertTargets: &[]AlertTarget{{Label: "Project"}, {Label: "Project"}}}, "listed twice"},
		{"an invalid email", AlertSettingsInput{AlertsEnabled: &no, NotifyOrgOwner: &no, AlertTargets: &[]AlertTarget{{Label: "Project", Emails: []string{"nobody"}}}}, `alertTargets[0].emails[0] "nobody"`},
		{"too many emails", AlertSettingsInput{AlertsEnabled: &no, NotifyOrgOwner: &no, AlertTargets: &[]AlertTarget{{Label: "Project", Emails: make([]string, MaxAlertEmails+1)}}}, "limit of 100"},
	} {
		if _, err := s.SetBudgetAlerts(admin, c.in); KindOf(err) != KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if again, _ := s.BudgetAlerts(admin); fmt.Sprint(again) != want {
		t.Errorf("refused changes changed %v", again)
	}
}

func TestBillingTags(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	got, err := s.UpsertBillingTags(admin, []string{"PYTHON-DOMINO-ACTIVE-tag-001", "tag-002", "PYTHON-DOMINO-ACTIVE-tag-001", "tag-003"})
	if err != nil || fmt.Sprint(got) != "[{PYTHON-DOMINO-ACTIVE-tag-001} {tag-002} {tag-003}]" {
		t.Fatalf("create: %v %v", got, err)
	}
	st, err := s.BillingTagByName(admin, "tag-002")
	if err != nil || st.Tag != "tag-002" || !st.Active || !objectIDRE.MatchString(st.TagID) {
		t.Fatalf("by name: %+v %v", st, err)
	}
	archived, err := s.ArchiveBillingTag(admin, "tag-002")
	if err != nil || archived.Active || archived.TagID != st.TagID {
		t.Fatalf("archive: %+v %v", archived, err)
	}
	if again, err := s.ArchiveBillingTag(admin, "tag-002"); err != nil || again != archived {
		t.Errorf("archive again: %+v %v", again, err)
	}
	if st, _ := s.BillingTagByName(admin, "tag-002"); st.Active {
		t.Errorf("an archived tag reads %+v", st)
	}
	if got := s.ActiveBillingTags(admin); fmt.Sprint(got) != "[{PYTHON-DOMINO-ACTIVE-tag-001} {tag-003}]" {
		t.Errorf("active: %v", got)
	}
	// Creating it again makes it active again, with its id.
	if _, err := s.UpsertBillingTags(admin, []string{"tag-002"}); err != nil {
		t.Fatal(err)
	}
	if st2, _ := s.BillingTagByName(admin, "tag-002"); !st2.Active || st2.TagID != st.TagID {
		t.Errorf("unarchived: %+v", st2)
	}
	if got := s.ActiveBillingTags(admin); len(got) != 3 || got[1].Tag != "tag-002" {
		t.Errorf("active after unarchiving: %v", got)
	}
	for _, c := range []struct {
		name  string
		names []string
		want  string
	}{
		{"no list", nil, "billingTags is required"},
		{"an empty name", []string{"ok", ""}, "billingTags[1] is required"},
		{"a slash", []string{"a/b"}, `billingTags[0] "a/b" is invalid`},
		{"a backslash", []string{`a\b`}, "is invalid"},
		{"surrounding space", []string{" cc"}, "is invalid"},
		{"a control character", []string{"a\x00"}, "is invalid"},
		{"101 characters", []string{strings.Repeat("x", 101)}, "1 to 100"},
	} {
		if _, err := s.UpsertBillingTags(admin, c.names); KindOf(err) != KindInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if got, err := s.UpsertBillingTags(admin, []string{}); err != nil || len(got) != 0 {
		t.Errorf("an empty list: %v %v", got, err)
	}
	for _, f := range []func() error{
		func() error { _, err := s.BillingTagByName(admin, "nope"); return err },
		func() error { _, err := s.ArchiveBillingTag(admin, "nope"); return err },
	} {
		if err := f(); KindOf(err) != KindNotFound {
			t.Errorf("an unknown tag: %v", err)
		}
	}
	// The mock's limit counts the tags a request would add.
	s.mu.Lock()
	for i := len(s.st.cost.tagOrder); i < MaxBillingTags; i++ {
		s.st.cost.addTag(&billingTag{id: fmt.Sprintf("%024x", i), name: fmt.Sprintf("bulk-%d", i), active: true})
	}
	s.mu.Unlock()
	if _, err := s.UpsertBillingTags(admin, []string{"one-too-many"}); KindOf(err) != KindInvalid {
		t.Errorf("the 10,001st tag: %v", err)
	}
	if _, err := s.UpsertBillingTags(admin, []string{"tag-003"}); err != nil {
		t.Errorf("an existing tag at the limit: %v", err)
	}
}

func TestBillingTagMode(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	if set, err := s.BillingTagSettings(admin); err != nil || set.Mode != "Optional" || set.Notifications {
		t.Fatalf("default settings %+v %v", set, err)
	}
	for _, c := range []struct{ in, want string }{
		{"Required", "Required"}, {"required", "Required"}, {"DISABLED", "Disabled"}, {"Optional", "Optional"},
	} {
		m, err := s.SetBillingTagMode(admin, c.in)
		if err != nil || m != c.want {
			t.Errorf("mode %q: %q %v", c.in, m, err)
		}
		if set, _ := s.BillingTagSettings(admin); set.Mode != c.want {
			t.Errorf("mode %q reads back %q", c.in, set.Mode)
		}
	}
	for _, in := range []string{"", "On", "Requiredx"} {
		if _, err := s.SetBillingTagMode(admin, in); KindOf(err) != KindInvalid {
			t.Errorf("mode %q: %v", in, err)
		}
	}
}

func TestProjectBillingTags(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	alice := caller(t, s, "alice")
	if _, err := s.UpsertBillingTags(admin, []string{"cc-1", "cc-2", "old"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ArchiveBillingTag(admin, "old"); err != nil {
		t.Fatal(err)
	}
	if tag, err := s.ProjectBillingTag(admin, defProjectID); err != nil || tag != nil {
		t.Fatalf("no tag yet: %v %v", tag, err)
	}
	p, err := s.SetProjectBillingTag(admin, defProjectID, "cc-1")
	if err != nil || p.BillingTag == nil || p.BillingTag.Tag != "cc-1" || p.ID != defProjectID {
		t.Fatalf("set: %+v %v", p, err)
	}
	if tag, _ := s.ProjectBillingTag(admin, defProjectID); tag == nil || tag.Tag != "cc-1" {
		t.Errorf("reads back %v", tag)
	}
	// The project shows it to whoever reads the project.
	if v, _ := s.Project(admin, defProjectID); v.BillingTag == nil || v.BillingTag.Tag != "cc-1" {
		t.Errorf("project %+v", v)
	}
	for _, c := range []struct {
		name, project, tag string
		kind               Kind
		want               string
	}{
		{"no tag", defProjectID, "", KindInvalid, "tag is required"},
		{"an unknown tag", defProjectID, "nope", KindInvalid, "does not exist"},
		{"an archived tag", defProjectID, "old", KindInvalid, "archived"},
		{"an unknown project", unknownID, "cc-2", KindNotFound, "not found"},
	} {
		if _, err := s.SetProjectBillingTag(admin, c.project, c.tag); KindOf(err) != c.kind || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if tag, _ := s.ProjectBillingTag(admin, defProjectID); tag.Tag != "cc-1" {
		t.Errorf("refused changes changed the tag: %v", tag)
	}
	// Archiving a tag leaves the projects that have it as they are.
	s.ArchiveBillingTag(admin, "cc-1")
	if tag, _ := s.ProjectBillingTag(admin, defProjectID); tag == nil || tag.Tag != "cc-1" {
		t.Errorf("after archiving its tag: %v", tag)
	}
	p, err = s.ResetProjectBillingTag(admin, defProjectID)
	if err != nil || p.BillingTag != nil {
		t.Fatalf("reset: %+v %v", p, err)
	}
	if p, err = s.ResetProjectBillingTag(admin, defProjectID); err != nil || p.ID != defProjectID {
		t.Errorf("reset again: %+v %v", p, err)
	}
	if _, err := s.ResetProjectBillingTag(admin, unknownID); KindOf(err) != KindNotFound {
		t.Errorf("reset an unknown project: %v", err)
	}

	// Bulk: all or none.
	q := walOK(s.CreateProject(alice, ProjectInput{Name: "second"})).must(t)
	two := "cc-2"
	list, err := s.SetProjectsBillingTags(admin, []ProjectBillingTagInput{{ProjectID: defProjectID, Tag: &two}, {ProjectID: q.ID, Tag: &two}})
	if err != nil || len(list) != 2 || list[1].BillingTag.Tag != "cc-2" {
		t.Fatalf("bulk: %+v %v", list, err)
	}
	old := "old"
	for _, c := range []struct {
		name string
		in   []ProjectBillingTagInput
		kind Kind
	}{
		{"an archived tag last", []ProjectBillingTagInput{{ProjectID: defProjectID}, {ProjectID: q.ID, Tag: &old}}, KindInvalid},
		{"a project twice", []ProjectBillingTagInput{{ProjectID: defProjectID}, {ProjectID: defProjectID}}, KindInvalid},
		{"an unknown project", []ProjectBillingTagInput{{ProjectID: defProjectID}, {ProjectID: unknownID}}, KindNotFound},
		{"no project id", []ProjectBillingTagInput{{ProjectID: defProjectID}, {}}, KindInvalid},
		{"no list", nil, KindInvalid},
	} {
		if _, err := s.SetProjectsBillingTags(admin, c.in); KindOf(err) != c.kind {
			t.Errorf("bulk, %s: %v", c.name, err)
		}
	}
	if tag, _ := s.ProjectBillingTag(admin, defProjectID); tag == nil || tag.Tag != "cc-2" {
		t.Errorf("a refused bulk update changed the project: %v", tag)
	}
	// A null tag takes a project's away.
	list, err = s.SetProjectsBillingTags(admin, []ProjectBillingTagInput{{ProjectID: q.ID}})
	if err != nil || list[0].BillingTag != nil {
		t.Errorf("bulk reset: %+v %v", list, err)
	}
}

func TestNewProjectsFollowTheBillingTagMode(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	alice := caller(t, s, "alice")
	s.UpsertBillingTags(admin, []string{"cc", "old"})
	s.ArchiveBillingTag(admin, "old")
	for i, c := range []struct {
		mode, tag string
		want      string // "": made
	}{
		{"Optional", "", ""},
		{"Optional", "cc", ""},
		{"Optional", "nope", "does not exist"},
		{"Optional", "old", "archived"},
		{"Required", "cc", ""},
		{"Required", "", "billingTag is required"},
		{"Disabled", "", ""},
		{"Disabled", "cc", "cannot be given"},
	} {
		if _, err := s.SetBillingTagMode(admin, c.mode); err != nil {
			t.Fatal(err)
		}
		// Anyone may make a project with a billing tag.
		p, err := s.CreateProject(alice, ProjectInput{Name: fmt.Sprintf("p%d", i), BillingTag: c.tag})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s, tag %q: %v", c.mode, c.tag, err)
		case c.want != "" && (KindOf(err) != KindInvalid || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s, tag %q: %v, want %q", c.mode, c.tag, err, c.want)
		case c.want == "" && (p.BillingTag == nil) != (c.tag == ""):
			t.Errorf("%s, tag %q: made %+v", c.mode, c.tag, p.BillingTag)
		}
	}
	// A fork takes its source's tag while that is active, or the one it asks for.
	s.SetBillingTagMode(admin, "Optional")
	src := walOK(s.CreateProject(admin, ProjectInput{Name: "src", BillingTag: "cc"})).must(t)
	if f := walOK(s.ForkProject(admin, src.ID, ForkInput{Name: "fork1"})).must(t); f.BillingTag == nil || f.BillingTag.Tag != "cc" {
		t.Errorf("fork: %+v", f.BillingTag)
	}
	none := ""
	if f := walOK(s.ForkProject(admin, src.ID, ForkInput{Name: "fork2", BillingTag: &none})).must(t); f.BillingTag != nil {
		t.Errorf("fork without: %+v", f.BillingTag)
	}
	// Under Disabled a fork asks for no tag, so it inherits none (it was
	// refused: "billingTag cannot be given", though the request gave none).
	s.SetBillingTagMode(admin, "Disabled")
	if f := walOK(s.ForkProject(admin, src.ID, ForkInput{Name: "fork-disabled"})).must(t); f.BillingTag != nil {
		t.Errorf("fork under Disabled: %+v", f.BillingTag)
	}
	s.SetBillingTagMode(admin, "Optional")
	s.ArchiveBillingTag(admin, "cc")
	if f := walOK(s.ForkProject(admin, src.ID, ForkInput{Name: "fork3"})).must(t); f.BillingTag != nil {
		t.Errorf("fork of a project whose tag is archived: %+v", f.BillingTag)
	}
}

func TestProjectsByBillingTag(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	s.UpsertBillingTags(admin, []string{"bt-a", "bt-b"})
	ids := map[string]string{"quick-start": defProjectID}
	for _, c := range []struct{ name, tag string }{{"alpha", "bt-a"}, {"beta", "bt-a"}, {"Gamma", "bt-b"}, {"delta", ""}, {"epsilon", "bt-a"}} {
		ids[c.name] = walOK(s.CreateProject(admin, ProjectInput{Name: c.name, BillingTag: c.tag})).must(t).ID
	}
	archived := walOK(s.CreateProject(admin, ProjectInput{Name: "zeta", BillingTag: "bt-a"})).must(t)
	walOK(0, s.ArchiveProject(admin, archived.ID)).must(t)
	page := func(q BillingTagQuery) ([]string, int, error) {
		if q.SortBy == "" {
			q.SortBy = "name"
		}
		if q.SortOrder == "" {
			q.SortOrder = "desc"
		}
		p, err := s.ProjectsByBillingTag(admin, q)
		var names []string
		for _, v := range p.Page {
			names = append(names, v.Name)
		}
		return names, p.TotalMatches, err
	}
	for _, c := range []struct {
		name  string
		q     BillingTagQuery
		want  string
		total int
	}{
		{"by tag, name desc (the spec's default)", BillingTagQuery{BillingTag: "bt-a", PageSize: 10}, "[epsilon beta alpha]", 3},
		{"ascending", BillingTagQuery{BillingTag: "bt-a", PageSize: 10, SortOrder: "asc"}, "[alpha beta epsilon]", 3},
		{"any tag, names in any case", BillingTagQuery{PageSize: 10, SortOrder: "ASC"}, "[alpha beta delta epsilon Gamma quick-start]", 6},
		{"missing a tag", BillingTagQuery{PageSize: 10, MissingBillingTagOnly: true}, "[quick-start delta]", 2},
		{"a name substring, any case", BillingTagQuery{PageSize: 10, NameFilter: "TA", SortOrder: "asc"}, "[beta delta quick-start]", 3},
		{"by billing tag", BillingTagQuery{PageSize: 10, SortBy: "billingTag", SortOrder: "asc"}, "[quick-start delta alpha beta epsilon Gamma]", 6},
		{"a page", BillingTagQuery{PageSize: 2, Offset: 1, SortOrder: "asc"}, "[beta delta]", 6},
		{"past the end", BillingTagQuery{PageSize: 2, Offset: 9}, "[]", 6},
		{"a page of none", BillingTagQuery{PageSize: 0}, "[]", 6},
		{"from a checkpoint", BillingTagQuery{PageSize: 2, CheckpointProjectID: ids["delta"], SortOrder: "asc"}, "[delta epsilon]", 6},
		{"a negative offset ends the page there", BillingTagQuery{PageSize: 2, Offset: -1, CheckpointProjectID: ids["epsilon"], SortOrder: "asc"}, "[beta delta]", 6},
		{"a negative offset before the start", BillingTagQuery{PageSize: 3, Offset: -1, CheckpointProjectID: ids["beta"], SortOrder: "asc"}, "[alpha]", 6},
		{"an unknown tag", BillingTagQuery{BillingTag: "nope", PageSize: 10}, "[]", 0},
	} {
		names, total, err := page(c.q)
		if err != nil || fmt.Sprint(names) != c.want && !(c.want == "[]" && names == nil) || total != c.total {
			t.Errorf("%s: %v (%d) %v, want %s (%d)", c.name, names, total, err, c.want, c.total)
		}
	}
	for _, q := range []BillingTagQuery{
		{SortBy: "size"}, {SortOrder: "up"}, {PageSize: -1},
		{CheckpointProjectID: ids["delta"], BillingTag: "bt-a", PageSize: 1},
	} {
		if _, _, err := page(q); KindOf(err) != KindInvalid {
			t.Errorf("%+v: %v", q, err)
		}
	}
	// The page holds the projects as the spec's ProjectSummary, billing tag and all.
	p, _ := s.ProjectsByBillingTag(admin, BillingTagQuery{BillingTag: "bt-b", PageSize: 10, SortBy: "name", SortOrder: "desc"})
	if len(p.Page) != 1 || p.Page[0].ID != ids["Gamma"] || p.Page[0].BillingTag.Tag != "bt-b" {
		t.Errorf("page %+v", p)
	}
}

// TestRaceBillingTags: creating, archiving and assigning tags at once keeps
// every project's tag one the rules allowed when it was assigned.
func TestRaceBillingTags(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("race-%d", i%3)
			for range 50 {
				s.UpsertBillingTags(admin, []string{name})
				s.SetProjectBillingTag(admin, defProjectID, name)
				s.ArchiveBillingTag(admin, name)
				s.ProjectsByBillingTag(admin, BillingTagQuery{BillingTag: name, PageSize: 5, SortBy: "name", SortOrder: "asc"})
				s.ActiveBillingTags(admin)
			}
		}()
	}
	wg.Wait()
	if got := len(s.ActiveBillingTags(admin)); got > 3 {
		t.Errorf("%d active tags", got)
	}
	if err := s.Import(s.Export(true)); err != nil {
		t.Errorf("the state does not import: %v", err)
	}
}
