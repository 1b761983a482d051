package dominotest

import (
	"testing"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Cost controls: billing tags, the mode new projects follow, and budgets,
// set up as an administrator would before the code under test reads them.

// BillingTag is a billing tag as CreateBillingTag left it.
type BillingTag struct {
	ID     string
	Name   string
	Active bool // false once archived: no project is given it again
}

// CreateBillingTag makes an active billing tag, or makes an archived one
// active again.
func (s *Server) CreateBillingTag(t testing.TB, name string) BillingTag {
	t.Helper()
	v, err := s.CreateBillingTagE(name)
	check(t, err)
	return v
}

// CreateBillingTagE is CreateBillingTag returning its error.
func (s *Server) CreateBillingTagE(name string) (BillingTag, error) {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().UpsertBillingTags(admin, []string{name})
	}
	var tag store.BillingTagStatus
	if err == nil {
		tag, err = s.srv.Store().BillingTagByName(admin, name)
	}
	if err != nil {
		return BillingTag{}, fail("CreateBillingTag", err)
	}
	return BillingTag{ID: tag.TagID, Name: tag.Tag, Active: tag.Active}, nil
}

// ArchiveBillingTag archives a billing tag: projects charged to it keep
// it, but no project is given it again.
func (s *Server) ArchiveBillingTag(t testing.TB, name string) {
	t.Helper()
	check(t, s.ArchiveBillingTagE(name))
}

// ArchiveBillingTagE is ArchiveBillingTag returning its error.
func (s *Server) ArchiveBillingTagE(name string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().ArchiveBillingTag(admin, name)
	}
	return fail("ArchiveBillingTag", err)
}

// SetProjectBillingTag charges a project to an active billing tag; ""
// takes its billing tag away.
func (s *Server) SetProjectBillingTag(t testing.TB, projectID, tag string) {
	t.Helper()
	check(t, s.SetProjectBillingTagE(projectID, tag))
}

// SetProjectBillingTagE is SetProjectBillingTag returning its error.
func (s *Server) SetProjectBillingTagE(projectID, tag string) error {
	admin, err := s.admin()
	switch {
	case err != nil:
	case tag == "":
		_, err = s.srv.Store().ResetProjectBillingTag(admin, projectID)
	default:
		_, err = s.srv.Store().SetProjectBillingTag(admin, projectID, tag)
	}
	return fail("SetProjectBillingTag", err)
}

// SetBillingTagMode sets whether new projects may ("Optional", the
// default), must ("Required") or may not ("Disabled") have a billing tag.
func (s *Server) SetBillingTagMode(t testing.TB, mode string) {
	t.Helper()
	check(t, s.SetBillingTagModeE(mode))
}

// SetBillingTagModeE is SetBillingTagMode returning its error.
func (s *Server) SetBillingTagModeE(mode string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().SetBillingTagMode(admin, mode)
	}
	return fail("SetBillingTagMode", err)
}

// SetDefaultBudget sets the default monthly limit of a label's budgets:
// label is "BillingTag", "Organization" or "Project"; limit is not negative.
func (s *Server) SetDefaultBudget(t testing.TB, label string, limit float64) {
	t.Helper()
	check(t, s.SetDefaultBudgetE(label, limit))
}

// SetDefaultBudgetE is SetDefaultBudget returning its error.
func (s *Server) SetDefaultBudgetE(label string, limit float64) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().SetBudgetDefault(admin, label, store.BudgetInput{Limit: &limit, LimitGiven: true})
	}
	return fail("SetDefaultBudget", err)
}

// CreateBudgetOverride gives one project, organization or billing tag
// (labelID, its id; label says which) a monthly limit of its own.
func (s *Server) CreateBudgetOverride(t testing.TB, label, labelID string, limit float64) {
	t.Helper()
	check(t, s.CreateBudgetOverrideE(label, labelID, limit))
}

// CreateBudgetOverrideE is CreateBudgetOverride returning its error.
func (s *Server) CreateBudgetOverrideE(label, labelID string, limit float64) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().CreateBudgetOverride(admin, store.BudgetInput{LabelID: labelID, BudgetLabel: label, Limit: &limit, LimitGiven: true})
	}
	return fail("CreateBudgetOverride", err)
}
