@tokens @admin
Feature: Service-account tokens
  An administrator gives a service account named, long-lived tokens. Each token is a signed
  JWT that authenticates as the account until it is invalidated, deleted, or expires, or the
  account is deactivated.

  Scenario: Creating a token returns the JWT once, with its lifetime
    Given a service account "ci-bot"
    When the administrator creates a token "deploy" for "ci-bot"
    Then the token "deploy" is created for "ci-bot", valid, with its value
    And the token "deploy" is a JWT
    And the token "deploy" expires 120 days after its creation

  Scenario: A token authenticates as its service account
    Given a service account "ci-bot" with a token "deploy"
    Then the token "deploy" authenticates as "ci-bot"

  Scenario: The token list describes each token but never contains its value
    Given a service account "ci-bot" with a token "deploy"
    And the service account "ci-bot" also has a token "nightly"
    When the administrator lists the tokens of "ci-bot"
    Then the list describes the tokens "deploy" and "nightly" as valid
    And no token value appears in the list
    And every time in the list is RFC 3339 UTC with milliseconds

  Scenario: One token can be fetched by its name
    Given a service account "ci-bot" with a token "deploy"
    When the administrator fetches the token "deploy" of "ci-bot"
    Then the answer describes the token "deploy" with its value

  Scenario: A token name that is taken is refused
    Given a service account "ci-bot" with a token "deploy"
    When the administrator creates a token "deploy" for "ci-bot"
    Then the call is rejected as a duplicate

  Scenario: The name of an invalidated token is still taken
    Given a service account "ci-bot" with a token "deploy"
    And the token "deploy" has been invalidated
    When the administrator creates a token "deploy" for "ci-bot"
    Then the call is rejected as a duplicate

  # inferred: the duplicate-token-name message names the token (only the status is observed)
  @inferred
  Scenario: A duplicate token name is refused with a message that names it
    Given a service account "ci-bot" with a token "deploy"
    When the administrator creates a token "deploy" for "ci-bot"
    Then the call is rejected as a duplicate
    And the error message names "deploy"

  Scenario: Two service accounts may use the same token name
    Given a service account "ci-bot" with a token "deploy"
    And a service account "cd-bot"
    When the administrator creates a token "deploy" for "cd-bot"
    Then the token "deploy" is created for "cd-bot", valid, with its value

  Scenario: An invalidated token no longer authenticates
    Given a service account "ci-bot" with a token "deploy"
    And the token "deploy" has been invalidated
    Then the token "deploy" is listed as invalid
    And the token "deploy" is rejected as unauthenticated

  Scenario: Invalidating one token leaves the other tokens working
    Given a service account "ci-bot" with a token "deploy"
    And the service account "ci-bot" also has a token "nightly"
    When the administrator invalidates the token "deploy"
    Then the token "deploy" is rejected as unauthenticated
    And the token "nightly" authenticates as "ci-bot"
    And the token "nightly" is listed as valid

  Scenario: An invalidated token cannot be made valid again
    Given a service account "ci-bot" with a token "deploy"
    And the token "deploy" has been invalidated
    When the administrator invalidates the token "deploy" again
    Then the token "deploy" is listed as invalid
    And the token "deploy" is rejected as unauthenticated

  Scenario: A deleted token no longer authenticates and is no longer listed
    Given a service account "ci-bot" with a token "deploy"
    And the token "deploy" has been deleted
    Then the token "deploy" is not listed
    And the token "deploy" is rejected as unauthenticated

  # inferred: invalidate and delete answer with the token's description, without its value
  @inferred
  Scenario: Invalidating and deleting a token answer with its description, without its value
    Given a service account "ci-bot" with a token "deploy"
    When the administrator invalidates the token "deploy"
    Then the call succeeds and describes the token "deploy" as invalid, without its value
    When the administrator deletes the token "deploy"
    Then the call succeeds and describes the token "deploy" without its value

  Scenario: The name of a deleted token can be used again, for a new token
    Given a service account "ci-bot" with a token "deploy"
    And the token "deploy" has been invalidated
    And the token "deploy" has been deleted
    When the administrator creates a token "deploy" for "ci-bot"
    Then the token "deploy" is created for "ci-bot", valid, with its value
    And the new token "deploy" differs from the deleted one
    And the token "deploy" authenticates as "ci-bot"
    And the deleted token "deploy" is still rejected as unauthenticated

  Scenario Outline: Token operations on a token that does not exist
    Given a service account "ci-bot"
    When the administrator <operation> the token "ghost" of "ci-bot"
    Then the call is rejected as not found

    Examples:
      | operation   |
      | fetches     |
      | invalidates |
      | deletes     |

  Scenario Outline: Token operations on a service account that does not exist
    When the administrator <operation> of a service account that does not exist
    Then the call is rejected as not found

    Examples:
      | operation                 |
      | creates a token "deploy"  |
      | lists the tokens          |

  Scenario: A human user cannot have a token
    When the administrator creates a token "mine" for their own user
    Then the call is rejected as not found

  Scenario: A token needs a name
    Given a service account "ci-bot"
    When the administrator creates a token without a name for "ci-bot"
    Then the call is rejected as a bad request about "name"

  Scenario: Deactivating a service account invalidates all its tokens
    Given a service account "ci-bot" with a token "deploy"
    And the service account "ci-bot" also has a token "nightly"
    When the administrator deactivates the service account "ci-bot"
    Then the tokens "deploy" and "nightly" are rejected as unauthenticated
    And the tokens of "ci-bot" are all listed as invalid

  # inferred: activating an account does not bring its old tokens back
  @inferred
  Scenario: Activating a service account again does not revive its old tokens
    Given a service account "ci-bot" with a token "deploy"
    And the service account "ci-bot" has been deactivated
    When the administrator activates the service account "ci-bot"
    Then the token "deploy" is rejected as unauthenticated
    And the token "deploy" is listed as invalid

  @observed
  Scenario: A token created after deactivation and activation lacks "sub" and is refused (observed defect)
    Given a service account "ci-bot" that has been deactivated and activated again
    When the administrator creates a token "after" for "ci-bot"
    Then the token "after" is created for "ci-bot", valid, with its value
    And the token "after" has no "sub" claim
    And the token "after" is rejected as unauthenticated

  @strict
  Scenario: A token created after deactivation and activation works
    Given a service account "ci-bot" that has been deactivated and activated again
    When the administrator creates a token "after" for "ci-bot"
    Then the token "after" is created for "ci-bot", valid, with its value
    And the token "after" names "ci-bot" as its subject
    And the token "after" authenticates as "ci-bot"

  @mock-only
  Scenario: A token works until the day it expires
    Given a service account "ci-bot" with a token "deploy"
    When the mock's clock moves forward by 119 days
    Then the token "deploy" authenticates as "ci-bot"

  @mock-only
  Scenario: An expired token is refused
    Given a service account "ci-bot" with a token "deploy"
    When the mock's clock moves forward by 121 days
    Then the token "deploy" is rejected as unauthenticated
