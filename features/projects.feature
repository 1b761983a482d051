@projects @admin @destructive
Feature: Projects
  A project is made through POST /v4/projects (or python-domino's legacy form), found by owner and
  name, listed, tagged, configured, given environment variables, forked and archived. Every project
  a scenario makes is archived after it, under a name that starts with the run's prefix.

  Scenario: An administrator creates a project with the spec's fields
    Given a service account "ci-bot"
    When the administrator creates a project "alpha" tagged "ml" with "ci-bot" as a "Contributor"
    Then the project "alpha" is created with an id, owned by the administrator
    And the answer lists "ci-bot" as a "Contributor" and the tag "ml"
    And the administrator finds the project "alpha" by owner and name

  # GET /v4/projects is absent from the spec; real clients call it (third-party client usage)
  Scenario: A project is found in the project list by its name and owner
    Given a project "alpha"
    When the administrator lists the projects named "alpha" owned by the administrator
    Then the list holds exactly the project "alpha" with its id, name and owner's username

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A project is listed among the caller's owned projects
    Given a project "alpha"
    When the administrator lists the projects with the relationship "Owned"
    Then the list includes the project "alpha"

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A relationship that does not exist is a server error
    When the administrator lists the projects with the relationship "invalid"
    Then the call fails with a server error saying "No value found for 'invalid'"

  # inferred: a duplicate project name answers as a duplicate account name does (the profile's duplicate status)
  @inferred
  Scenario: An owner's project names are unique
    Given a project "alpha"
    When the administrator creates another project with the name of "alpha"
    Then the call is rejected as a duplicate

  # python-domino's project_create, as its tests against a live Domino run it
  Scenario: python-domino's legacy form creates a project
    When the administrator creates a project "legacy" the way python-domino's project_create does
    Then the call succeeds
    And the project "legacy" is among the administrator's owned projects

  # inferred: only an administrator may create a project for another user
  @non-admin @inferred
  Scenario: A user cannot create a project for another user
    When a non-admin user creates a project "theirs" for the administrator
    Then the call is rejected as forbidden

  # inferred: a service account may create a project, which it then owns
  @inferred
  Scenario: A service account creates a project it then owns
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" creates a project "bots"
    Then the project "bots" is created with an id, owned by "ci-bot"

  Scenario: The owner archives a project
    Given a project "alpha"
    When the administrator archives the project "alpha"
    Then the call succeeds

  # inferred: an archived project is found by no route and listed nowhere
  @inferred
  Scenario: An archived project is no longer found or listed
    Given a project "alpha"
    When the administrator archives the project "alpha"
    Then the project "alpha" is no longer found

  # inferred: an archived project refuses new runs with 404, as a project that does not exist
  @inferred
  Scenario: An archived project refuses new jobs
    Given a project "alpha"
    And the administrator has archived the project "alpha"
    When the administrator starts a job in the project "alpha"
    Then the call is rejected as not found

  # documented: only the project's owner may archive it
  Scenario: A contributor cannot archive the project
    Given a service account "ci-bot" with a token "deploy"
    And a project "alpha" with "ci-bot" as a "Contributor"
    When a caller with the token "deploy" archives the project "alpha"
    Then the call is rejected as forbidden
    And the project "alpha" is still found

  # documented: a public project is visible to everyone, but only its owner archives it
  @non-admin
  Scenario: Another user cannot archive a public project
    Given a "Public" project "open"
    When a non-admin user views the project "open"
    Then the answer describes the project "open"
    When a non-admin user archives the project "open"
    Then the call is rejected as forbidden

  # documented: only collaborators can find a private project
  @non-admin
  Scenario: A private project is not listed for other users
    Given a "Private" project "closed"
    When a non-admin user lists the projects named "closed" owned by the administrator
    Then the list is empty

  # documented: anyone can see a searchable project's name and description in search results
  @non-admin
  Scenario: A searchable project is listed for every user
    Given a "Searchable" project "findable"
    When a non-admin user lists the projects named "findable" owned by the administrator
    Then the list holds exactly the project "findable" with its id, name and owner's username

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: Project environment variables are added, listed and removed
    Given a project "alpha"
    When the administrator sets the environment variable "INTEGRATION_0_VAL" to "First test value" in the project "alpha"
    Then the answer is the environment variable "INTEGRATION_0_VAL" with the value "First test value"
    When the administrator sets the environment variable "INTEGRATION_1_VAL" to "Second test value" in the project "alpha"
    Then the project "alpha" lists the environment variable "INTEGRATION_0_VAL" with the value "First test value"
    And the project "alpha" lists the environment variable "INTEGRATION_1_VAL" with the value "Second test value"
    When the administrator removes the environment variable "INTEGRATION_0_VAL" from the project "alpha"
    Then the call succeeds
    And the project "alpha" does not list the environment variable "INTEGRATION_0_VAL"

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario Outline: An environment variable without a value is refused
    Given a project "alpha"
    When the administrator sets an environment variable <without> in the project "alpha"
    Then the call is rejected as a bad request about "Invalid 'value' for EnvironmentVariable"

    Examples:
      | without                 |
      | without a value         |
      | without a name or value |

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: Removing an environment variable that does not exist succeeds
    Given a project "alpha"
    When the administrator removes the environment variable "invalid" from the project "alpha"
    Then the call succeeds

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario Outline: A project that does not exist answers its environment-variable routes with a server error
    When the administrator <does> environment variables of a project that does not exist
    Then the call fails with a server error

    Examples:
      | does    |
      | lists   |
      | sets    |
      | removes |

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A malformed project id on the environment-variable routes is a bad request
    When the administrator lists the environment variables of the project with the id "invalid"
    Then the call is rejected as a bad request
    And the error message names "invalid is not a valid ID"

  # documented: Contributors read and write project environment variables; Results Consumers do not
  Scenario: A contributor sets environment variables and a results consumer may not
    Given a service account "ci-bot" with a token "deploy"
    And a service account "viewer" with a token "look"
    And a project "alpha" with "ci-bot" as a "Contributor" and "viewer" as a "ResultsConsumer"
    When a caller with the token "deploy" sets the environment variable "STAGE" to "test" in the project "alpha"
    Then the answer is the environment variable "STAGE" with the value "test"
    When a caller with the token "look" sets the environment variable "STAGE" to "prod" in the project "alpha"
    Then the call is rejected as forbidden

  # python-domino's tags_add, tags_list, tag_details and tags_remove, as its tests against a live Domino run them
  Scenario: A project is tagged, its tags described and removed
    Given a project "alpha"
    When the administrator tags the project "alpha" with "topic-a" and "topic-b"
    Then the answer lists the tags "topic-a" and "topic-b" with their ids
    And the project "alpha" has the tags "topic-a, topic-b"
    When the administrator reads the tag "topic-a"
    Then the answer describes the tag "topic-a" with its id and when it was last added
    When the administrator removes the tag "topic-a" from the project "alpha"
    Then the call succeeds
    And the project "alpha" has the tags "topic-b"

  Scenario: A project's default hardware tier is changed
    Given a project "alpha"
    When the administrator reads the settings of the project "alpha"
    Then the answer gives the project's default environment, hardware tier and volume sizes
    When the administrator sets the default hardware tier of the project "alpha" to the last tier it may use
    Then the call succeeds
    And the settings of the project "alpha" name that hardware tier

  # python-domino's fork_project, as its tests against a live Domino run it
  Scenario: A project is forked under a new name
    Given a project "alpha"
    When the administrator forks the project "alpha" as "beta"
    Then the project "beta" is created with an id, owned by the administrator
    And the project "beta" is among the administrator's owned projects

  # inferred: the legacy collaborators route lists the owner first, by "username" (python-domino's tests' shape)
  @inferred
  Scenario: The legacy collaborators route lists the owner by username
    Given a project "alpha"
    When the administrator lists the collaborators of the project "alpha" the legacy way
    Then the list names the administrator by "username"
