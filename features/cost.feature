@cost @admin @destructive
Feature: Cost controls: budgets and billing tags
  Administrators set the default monthly budget of each label (BillingTag, Organization, Project),
  override it for one project, organization or billing tag, set the global budget alert settings,
  make and archive billing tags, choose whether new projects need one, and charge projects to
  them, as python-domino's budget and billing-tag methods do. These are a Domino's global
  settings: a scenario that changes one puts it back after it; every override a scenario makes is
  deleted, every billing tag archived (Domino deletes none), every project archived.

  # python-domino's test against a live Domino: three defaults; an update reads back
  Scenario: An administrator sets a label's default budget
    When the administrator sets the default "Project" budget to 0.0037
    Then the answer is the default "Project" budget of 0.0037
    And the default budgets list the three labels, "Project" with 0.0037

  # inferred: a budget limit is a non-negative number, and 400 refuses one that is not
  @inferred
  Scenario: A negative default budget is refused
    When the administrator sets the default "Project" budget to -1
    Then the call is rejected as a bad request

  # python-domino's test against a live Domino: an override per id, listed with its limit
  Scenario: An administrator overrides one project's budget
    Given a project "alpha"
    When the administrator overrides the "Project" budget of the project "alpha" with 0.2048
    Then the answer is a "Project" override of 0.2048 for the project "alpha"
    And the budget overrides list the project "alpha" with 0.2048

  # python-domino's test against a live Domino: the new limit is listed
  Scenario: An override's limit is changed
    Given a project "alpha"
    And the administrator has overridden the "Project" budget of the project "alpha" with 0.2048
    When the administrator changes the override of the project "alpha" to 0.1024
    Then the budget overrides list the project "alpha" with 0.1024

  # python-domino's test against a live Domino: the list is back to what it was
  Scenario: A deleted override is no longer listed
    Given a project "alpha"
    And the administrator has overridden the "Project" budget of the project "alpha" with 0.2048
    When the administrator deletes the override of the project "alpha"
    Then the call succeeds
    And the budget overrides do not list the project "alpha"

  # inferred: a budget limit is a non-negative number, and 400 refuses one that is not
  @inferred
  Scenario: A negative override is refused
    Given a project "alpha"
    When the administrator overrides the "Project" budget of the project "alpha" with -1
    Then the call is rejected as a bad request

  # python-domino's test against a live Domino: the settings read back as set
  Scenario: An administrator changes the global budget alert settings
    When the administrator turns budget alerts on, with "finops@example.com" alerted for "Project" budgets
    Then the call succeeds
    And the budget alert settings have alerts on and "finops@example.com" for "Project"

  # python-domino: "Requires Admin permission" of every budget and billing-tag method
  @non-admin
  Scenario Outline: A user may not manage budgets or billing tags
    When a non-admin user <does>
    Then the call is rejected as forbidden

    Examples:
      | does                                     |
      | lists the default budgets                |
      | lists the budget overrides               |
      | reads the budget alert settings          |
      | reads the billing tag settings           |
      | creates the billing tag "cc"             |
      | sets the billing tag mode to "Required"  |

  # python-domino: "Requires Admin permission"
  @non-admin
  Scenario: A user may not read a project's billing tag
    Given a "Public" project "alpha"
    When a non-admin user asks for the billing tag of the project "alpha"
    Then the call is rejected as forbidden

  # python-domino's test against a live Domino: made tags are active and found by name
  Scenario: An administrator creates billing tags, which are active
    When the administrator creates the billing tags "cc-a" and "cc-b"
    Then the answer lists the billing tags "cc-a" and "cc-b"
    And the billing tag "cc-a" is active
    And the active billing tags include "cc-a" and "cc-b"

  # python-domino's test against a live Domino: an archived tag is still found, not active
  Scenario: An archived billing tag is no longer active
    Given the billing tag "cc"
    When the administrator archives the billing tag "cc"
    Then the answer is the billing tag "cc", not active
    And the active billing tags do not include "cc"

  # inferred: any user lists the active billing tags (the 6.2 public spec: "billing codes that a user can see")
  @non-admin @inferred
  Scenario: A user lists the active billing tags
    Given the billing tag "cc"
    When a non-admin user lists the active billing tags
    Then the answer lists the billing tag "cc"

  # python-domino's test against a live Domino: the mode reads back from both routes
  Scenario: An administrator sets the billing tag mode
    When the administrator sets the billing tag mode to "Required"
    Then the answer is the mode "Required"
    And the billing tag settings and the mode both say "Required"

  # inferred: with the mode Required a new project needs a billing tag (python-domino's example), and 400 refuses one without
  @inferred
  Scenario: With the mode Required, a new project needs a billing tag
    Given the billing tag mode is "Required"
    When the administrator creates a project "alpha"
    Then the call is rejected as a bad request

  # python-domino's test against a live Domino: project_create_v4(billing_tag=…)
  Scenario: A new project is charged to the billing tag it names
    Given the billing tag mode is "Optional"
    And the billing tag "cc"
    When the administrator creates a project "alpha" charged to the billing tag "cc"
    Then the call succeeds
    And the billing tag of the project "alpha" is "cc"

  # python-domino's test against a live Domino: project_billing_tag is None
  Scenario: A project made without a billing tag has none
    Given the billing tag mode is "Optional"
    When the administrator creates a project "alpha"
    Then the call succeeds
    And the project "alpha" has no billing tag

  # python-domino's test against a live Domino: project_billing_tag_update reads back
  Scenario: A project is charged to a billing tag
    Given the billing tag "cc"
    And a project "alpha"
    When the administrator charges the project "alpha" to the billing tag "cc"
    Then the answer is the project "alpha" charged to "cc"
    And the billing tag of the project "alpha" is "cc"

  # python-domino's test against a live Domino: project_billing_tag_reset, then None
  Scenario: A project's billing tag is taken away
    Given the billing tag "cc"
    And a project "alpha" charged to the billing tag "cc"
    When the administrator takes the billing tag of the project "alpha" away
    Then the call succeeds
    And the project "alpha" has no billing tag

  # inferred: a billing tag must exist, and be active, before a project is charged to it; 400 refuses it
  @inferred
  Scenario Outline: A project is not charged to a billing tag it may not have
    Given a project "alpha"
    And <tag>
    When the administrator charges the project "alpha" to the billing tag "cc"
    Then the call is rejected as a bad request
    And the project "alpha" has no billing tag

    Examples:
      | tag                           |
      | no billing tag "cc"           |
      | the archived billing tag "cc" |

  # python-domino's test against a live Domino: only the project charged to the tag, with it
  Scenario: Projects are listed by billing tag
    Given the billing tag "cc"
    And a project "alpha" charged to the billing tag "cc"
    And a project "beta"
    When the administrator lists the projects charged to the billing tag "cc"
    Then the page holds exactly the project "alpha", charged to "cc"

  # python-domino's test against a live Domino: project_billing_tag_bulk_update moves both
  Scenario: Projects are charged to a billing tag at once
    Given the billing tag "cc"
    And a project "alpha"
    And a project "beta"
    When the administrator charges the projects "alpha" and "beta" to the billing tag "cc" at once
    Then the call succeeds
    And listing the projects charged to the billing tag "cc" gives "alpha" and "beta"
