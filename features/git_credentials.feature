@git-credentials @admin
Feature: Git credentials
  An account keeps credentials for git providers. The account itself or an administrator
  manages them, by the account's Mongo id. A stored secret is never given back.

  Scenario Outline: An administrator adds a git credential to a service account
    Given a service account "ci-bot"
    When the administrator adds a <kind> git credential to "ci-bot"
    Then the git credential is described by id, name, provider, domain, fingerprint and protocol
    And the secret appears nowhere in the answer
    And the git credentials of "ci-bot" include it, without the secret

    Examples:
      | kind     |
      | token    |
      | password |
      | key      |

  @mock-only
  Scenario: A git secret is kept out of the mock's journal and state
    Given a service account "ci-bot"
    When the administrator adds a token git credential to "ci-bot"
    Then the secret appears neither in the mock's journal nor in its state

  # inferred: a service account may manage its own git credentials; the contract allows "the account itself", but only an administrator doing it was observed (the notebook: "Ideally I want to run this as svc account user but i can only run it as admin")
  @inferred
  Scenario: A service account adds its own git credential
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" adds a token git credential to "ci-bot"
    Then the git credential is described by id, name, provider, domain, fingerprint and protocol
    And the secret appears nowhere in the answer

  # inferred: a service account may manage its own git credentials; the contract allows "the account itself", but only an administrator doing it was observed (the notebook: "Ideally I want to run this as svc account user but i can only run it as admin")
  @inferred
  Scenario: A service account lists its own git credentials
    Given a service account "ci-bot" with a token "deploy"
    And "ci-bot" has a token git credential
    When a caller with the token "deploy" lists the git credentials of "ci-bot"
    Then the list includes the git credential, without any secret

  Scenario: A git credential is deleted
    Given a service account "ci-bot"
    And "ci-bot" has a token git credential
    When the administrator deletes the git credential of "ci-bot"
    Then the call succeeds
    And the git credentials of "ci-bot" do not include it

  Scenario: A service account cannot touch another account's git credentials
    Given a service account "ci-bot" with a token "deploy"
    And a service account "cd-bot"
    When a caller with the token "deploy" adds a token git credential to "cd-bot"
    Then the call is rejected as forbidden
    When a caller with the token "deploy" lists the git credentials of "cd-bot"
    Then the call is rejected as forbidden

  @non-admin
  Scenario: A user who is not an administrator cannot manage a service account's git credentials
    Given a service account "ci-bot"
    When a non-admin user adds a token git credential to "ci-bot"
    Then the call is rejected as forbidden

  Scenario: A git provider that does not exist is refused
    Given a service account "ci-bot"
    When the administrator adds a git credential for the provider "sourceforge" to "ci-bot"
    Then the call is rejected as a bad request about "gitServiceProvider"

  Scenario: An account that does not exist has no git credentials
    When the administrator lists the git credentials of an account that does not exist
    Then the call is rejected as not found

  # inferred: GET /v4/accounts/gitproviders answers the spec's {"providers":[...]}, where the contract says "a list"
  @inferred
  Scenario: The git providers are listed
    When the administrator lists the git providers
    Then the providers include "github", with a label and its access types
