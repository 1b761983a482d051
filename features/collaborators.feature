@collaborators @admin @destructive
Feature: Project collaborators
  A service account acts in a project only as a collaborator. The project's owner or an
  administrator adds it, by its Mongo id, with a project role.

  Scenario: The project can be found by owner and name
    When the administrator finds the project by owner and name
    Then the answer describes the project with its owner

  Scenario: A project that does not exist is not found
    When the administrator finds a project that does not exist by owner and name
    Then the call is rejected as not found

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: The project's collaborators include its owner, whom the project's own list leaves out
    When the administrator lists the project's collaborators
    Then they include the project's owner
    And the project's own collaborators field does not

  Scenario: An administrator adds a service account as a contributor
    Given a service account "ci-bot"
    When the administrator adds "ci-bot" to the project as "Contributor"
    Then the call succeeds and echoes "ci-bot" as "Contributor"
    And the project lists "ci-bot" as "Contributor"
    And the project's collaborators include "ci-bot"

  Scenario Outline: Every project role can be given
    Given a service account "ci-bot"
    When the administrator adds "ci-bot" to the project as "<role>"
    Then the call succeeds and echoes "ci-bot" as "<role>"
    And the project lists "ci-bot" as "<role>"

    Examples:
      | role            |
      | Contributor     |
      | LauncherUser    |
      | ResultsConsumer |
      | ProjectImporter |
      | Owner           |

  # inferred: adding an existing collaborator again changes its role
  @inferred
  Scenario: Adding a collaborator again changes the role
    Given a service account "ci-bot" that is a "Contributor" of the project
    When the administrator adds "ci-bot" to the project as "ResultsConsumer"
    Then the call succeeds and echoes "ci-bot" as "ResultsConsumer"
    And the project lists "ci-bot" as "ResultsConsumer"

  Scenario: A role that does not exist is refused
    Given a service account "ci-bot"
    When the administrator adds "ci-bot" to the project as "Overlord"
    Then the call is rejected as a bad request about "projectRole"
    And the project does not list "ci-bot"

  Scenario: A user that does not exist cannot be added
    When the administrator adds a user that does not exist to the project as "Contributor"
    Then the call is rejected as not found

  Scenario: A collaborator is named by the Mongo id, not the idpId
    Given a service account "ci-bot"
    When the administrator adds "ci-bot" to the project by its idpId as "Contributor"
    Then the call is rejected as not found

  Scenario: A collaborator cannot be added to a project that does not exist
    Given a service account "ci-bot"
    When the administrator adds "ci-bot" to a project that does not exist as "Contributor"
    Then the call is rejected as not found

  @non-admin
  Scenario: A user who does not own the project cannot add collaborators
    Given a service account "ci-bot"
    When a non-admin user adds "ci-bot" to the project as "Contributor"
    Then the call is rejected as forbidden
    And the project does not list "ci-bot"

  Scenario: A contributor cannot add collaborators
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a service account "cd-bot"
    When a caller with the token "deploy" adds "cd-bot" to the project as "Contributor"
    Then the call is rejected as forbidden

  Scenario: An administrator removes a collaborator
    Given a service account "ci-bot" that is a "Contributor" of the project
    When the administrator removes "ci-bot" from the project
    Then the call succeeds
    And the project does not list "ci-bot"

  Scenario: Removing a user who is not a collaborator
    When the administrator removes a user that does not exist from the project
    Then the call is rejected as not found

  Scenario: A service account sees a private project only as a collaborator
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" views the project
    Then the call is rejected as forbidden
    When the administrator adds "ci-bot" to the project as "Contributor"
    And a caller with the token "deploy" views the project
    Then the answer describes the project with its main repository

  @non-admin
  Scenario: A user who is not a collaborator cannot see a private project
    When a non-admin user views the project
    Then the call is rejected as forbidden

  Scenario: A project that does not exist
    When the administrator views a project that does not exist
    Then the call is rejected as not found

  Scenario: The project offers hardware tiers and environments
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" lists the project's hardware tiers
    Then exactly one hardware tier is the default
    When a caller with the token "deploy" lists the project's environments
    Then at least one environment is offered
