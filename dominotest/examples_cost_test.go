package dominotest_test

import (
	"fmt"

	"github.com/mockdomino/mockdomino/dominotest"
)

func ExampleServer_CreateBillingTag() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: tag := srv.CreateBillingTag(t, "team-ml")
	tag, err := srv.CreateBillingTagE("team-ml")
	if err != nil {
		panic(err)
	}
	p, err := srv.CreateProjectE("churn", dominotest.ProjectOptions{BillingTag: tag.Name})
	if err != nil {
		panic(err)
	}
	fmt.Println(tag.Name, tag.Active, len(tag.ID), p.BillingTag)
	// Output: team-ml true 24 team-ml
}

func ExampleServer_ArchiveBillingTag() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.CreateBillingTagE("old-team"); err != nil {
		panic(err)
	}

	// In a test: srv.ArchiveBillingTag(t, "old-team")
	if err := srv.ArchiveBillingTagE("old-team"); err != nil {
		panic(err)
	}
	var active struct{ BillingTags []struct{ Tag string } }
	getJSON(srv, "/v4/cost/billingtags", &active)
	_, err = srv.CreateProjectE("churn", dominotest.ProjectOptions{BillingTag: "old-team"})
	fmt.Println(len(active.BillingTags), err)
	// Output: 0 dominotest: CreateProject: billingTag.tag: billing tag "old-team" is archived and cannot be assigned
}

func ExampleServer_SetProjectBillingTag() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	if _, err := srv.CreateBillingTagE("team-ml"); err != nil {
		panic(err)
	}

	// In a test: srv.SetProjectBillingTag(t, dominotest.ProjectID, "team-ml")
	if err := srv.SetProjectBillingTagE(dominotest.ProjectID, "team-ml"); err != nil {
		panic(err)
	}
	var tag struct{ Tag string }
	getJSON(srv, "/v4/projects/"+dominotest.ProjectID+"/billingtag", &tag)
	fmt.Println(tag.Tag)
	fmt.Println(srv.SetProjectBillingTagE(dominotest.ProjectID, "no-such-tag"))
	// Output:
	// team-ml
	// dominotest: SetProjectBillingTag: tag: billing tag "no-such-tag" does not exist: create it first
}

func ExampleServer_SetBillingTagMode() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.SetBillingTagMode(t, "Required")
	if err := srv.SetBillingTagModeE("Required"); err != nil {
		panic(err)
	}
	_, err = srv.CreateProjectE("untagged", dominotest.ProjectOptions{})
	fmt.Println(err)
	// Output: dominotest: CreateProject: billingTag is required: the billing tag mode is Required, so a new project needs an active billing tag
}

func ExampleServer_SetDefaultBudget() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.SetDefaultBudget(t, "Project", 500)
	if err := srv.SetDefaultBudgetE("Project", 500); err != nil {
		panic(err)
	}
	var defaults []struct {
		BudgetLabel string
		Limit       *float64
	}
	getJSON(srv, "/v4/cost/budgets/defaults", &defaults)
	for _, b := range defaults {
		if b.Limit != nil {
			fmt.Println(b.BudgetLabel, *b.Limit)
		}
	}
	fmt.Println(srv.SetDefaultBudgetE("Project", -1))
	// Output:
	// Project 500
	// dominotest: SetDefaultBudget: limit -1 is invalid: a budget limit is a non-negative number
}

func ExampleServer_CreateBudgetOverride() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// In a test: srv.CreateBudgetOverride(t, "Project", dominotest.ProjectID, 50)
	if err := srv.CreateBudgetOverrideE("Project", dominotest.ProjectID, 50); err != nil {
		panic(err)
	}
	var overrides []struct {
		LabelID string
		Limit   float64
	}
	getJSON(srv, "/v4/cost/budgets/overrides", &overrides)
	fmt.Println(overrides[0].LabelID == dominotest.ProjectID, overrides[0].Limit)
	// Output: true 50
}
