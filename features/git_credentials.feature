@git-credentials @admin
Feature: Git credentials
  An account keeps credentials for git providers. The account itself or an administrator
  manages them, by the account's Mongo id. A stored secret is never given back.

  Scenario Outline: An administrator adds a git credential to a service account
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator adds a <kind> git credential to "ci-bot"
    Then the git credential is described by id, name, provider, domain, fingerprint and protocol
    And the secret appears nowhere in the answer
    And the git credentials of "ci-bot" include it, without the secret

    Examples:
      | kind     | surface        |
      | token    | /v4            |
      | token    | the public API |
      | password | /v4            |
      | password | the public API |
      | key      | /v4            |
      | key      | the public API |

  @mock-only
  Scenario Outline: A git secret is kept out of the mock's journal and state
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator adds a token git credential to "ci-bot"
    Then the secret appears neither in the mock's journal nor in its state

    Examples:
      | surface        |
      | /v4            |
      | the public API |

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

  Scenario Outline: A git credential is deleted
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    And "ci-bot" has a token git credential
    When the administrator deletes the git credential of "ci-bot"
    Then the call succeeds
    And the git credentials of "ci-bot" do not include it

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: A service account cannot touch another account's git credentials
    Given service accounts are managed through <surface>
    And a service account "ci-bot" with a token "deploy"
    And a service account "cd-bot"
    When a caller with the token "deploy" adds a token git credential to "cd-bot"
    Then the call is rejected as forbidden
    When a caller with the token "deploy" lists the git credentials of "cd-bot"
    Then the call is rejected as forbidden

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  @non-admin
  Scenario Outline: A user who is not an administrator cannot manage a service account's git credentials
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When a non-admin user adds a token git credential to "ci-bot"
    Then the call is rejected as forbidden

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: A git provider that does not exist is refused
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator adds a git credential for the provider "sourceforge" to "ci-bot"
    Then the call is rejected as a bad request about "gitServiceProvider"

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: An account that does not exist has no git credentials
    Given service accounts are managed through <surface>
    When the administrator lists the git credentials of an account that does not exist
    Then the call is rejected as not found

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  # inferred: GET /v4/accounts/gitproviders answers the spec's {"providers":[...]}, where the contract says "a list"
  @inferred
  Scenario: The git providers are listed
    When the administrator lists the git providers
    Then the providers include "github", with a label and its access types
