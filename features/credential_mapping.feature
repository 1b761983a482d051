@credential-mapping @admin @destructive
Feature: Which git credential a project's repository uses
  A collaborator chooses which of its own git credentials Domino uses for a project's
  repository. The service account does this itself, with its token.

  Background:
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And "ci-bot" has a token git credential

  # inferred: GET of a credential mapping answers 404 when none is set
  @inferred
  Scenario: No credential is chosen at first
    When "ci-bot" asks which credential the project's repository uses
    Then the call is rejected as not found

  Scenario: A service account chooses its git credential for the repository
    When "ci-bot" chooses its git credential for the project's repository
    Then the call succeeds and the mapping names "ci-bot", the project, the repository and the credential
    When "ci-bot" asks which credential the project's repository uses
    Then the answer is the id of the git credential of "ci-bot"

  Scenario: The choice is removed
    Given "ci-bot" has chosen its git credential for the project's repository
    When "ci-bot" removes its credential choice for the project's repository
    Then the call succeeds and the mapping names "ci-bot", the project and the repository
    When "ci-bot" asks which credential the project's repository uses
    Then the answer does not name the git credential of "ci-bot"

  Scenario: Another account's git credential cannot be chosen
    Given a service account "cd-bot"
    And "cd-bot" has a token git credential
    When "ci-bot" chooses the git credential of "cd-bot" for the project's repository
    Then the call is rejected as a bad request or not found
    When "ci-bot" asks which credential the project's repository uses
    Then the answer does not name the git credential of "cd-bot"

  Scenario: Only the project's own repository can be mapped
    When "ci-bot" chooses its git credential for a repository that is not the project's
    Then the call is rejected as not found

  Scenario: A service account that is not a collaborator cannot choose
    Given a service account "cd-bot" with a token "outsider"
    And "cd-bot" has a token git credential
    When "cd-bot" chooses its git credential for the project's repository
    Then the call is rejected as forbidden

  Scenario: Deleting the git credential drops the choice
    Given "ci-bot" has chosen its git credential for the project's repository
    When the administrator deletes the git credential of "ci-bot"
    And "ci-bot" asks which credential the project's repository uses
    Then the answer does not name the git credential of "ci-bot"
