@errors
Feature: How calls fail
  The v4 API and legacy routes answer errors as {"message", "success": false}. The public
  API under /api answers 400, 404 and 500 as {"error"} and the other statuses as
  {"requestId", "errors"}, as its 6.2 spec gives them. Bad input is a 400 naming the field,
  an oversized body a 413, an unknown route a 404 and a wrong method a 405.

  Scenario: A v4 route without credentials
    When an unauthenticated caller lists service accounts
    Then the call is rejected as unauthenticated
    And the error has the v4 shape

  @admin
  Scenario: A public API route without credentials
    When an unauthenticated caller starts a job running "main.py" through the public API
    Then the call is rejected as unauthenticated
    And the error has the public API shape {"requestId", "errors"}

  @admin
  Scenario: A v4 route that does not exist
    When the administrator calls a v4 route that does not exist
    Then the call is rejected as not found
    And the error has the v4 shape

  @admin
  Scenario: A public API route that does not exist
    When the administrator calls a public API route that does not exist
    Then the call is rejected as not found
    And the error has the public API shape {"error"}

  @admin
  Scenario: A wrong method on a v4 route
    When the administrator uses a method that the service accounts route does not allow
    Then the call is rejected as a method that is not allowed
    And the error has the v4 shape

  @admin
  Scenario: A wrong method on a public API route
    When the administrator uses a method that the public API's self route does not allow
    Then the call is rejected as a method that is not allowed
    And the error has the public API shape {"requestId", "errors"}

  @admin
  Scenario: Malformed JSON on a v4 route
    When the administrator creates a service account with a body that is not valid JSON
    Then the call is rejected as a bad request
    And the error has the v4 shape

  @admin
  Scenario: A field of the wrong type on a v4 route
    When the administrator creates a service account with a number as its username
    Then the call is rejected as a bad request about "username"

  @admin
  Scenario: Malformed JSON on a public API route
    When the administrator starts a job with a body that is not valid JSON
    Then the call is rejected as a bad request
    And the error has the public API shape {"error"}

  @admin
  Scenario: An oversized body on a v4 route
    When the administrator creates a service account with a body larger than 1 MiB
    Then the call is rejected as too large
    And the error has the v4 shape

  @admin
  Scenario: An oversized body on a public API route
    When the administrator starts a job with a body larger than 1 MiB
    Then the call is rejected as too large
    And the error has the public API shape {"requestId", "errors"}

  @admin
  Scenario: A forbidden public API call
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" starts a job running "main.py" through the public API
    Then the call is rejected as forbidden
    And the error has the public API shape {"requestId", "errors"}

  @mock-only
  Scenario: The mock's health needs no credentials
    When an unauthenticated caller asks for the mock's health
    Then the mock is healthy

  @mock-only @admin
  Scenario: The mock's controls need the administrator on the API host
    When an unauthenticated caller reads the mock's clock
    Then the call is rejected as unauthenticated
    When the administrator reads the mock's clock
    Then the call succeeds

  @mock-only @non-admin
  Scenario: The mock's controls are refused to other users
    When a non-admin user reads the mock's clock
    Then the call is rejected as forbidden

  @mock-only @proxy
  Scenario: Through the API proxy the mock's controls need no credentials
    When a caller through the API proxy reads the mock's clock
    Then the call succeeds

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  @admin
  Scenario Outline: An id that is not a Mongo ObjectId is refused as a bad request
    When the administrator asks for <what> by the id "invalid"
    Then the call is rejected as a bad request
    And the error message names "invalid is not a valid ID"

    Examples:
      | what                              |
      | the project                       |
      | the project's collaborators       |
      | the project's hardware tiers      |
      | the project's environments        |
      | a job                             |
      | the git credentials of an account |

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  @admin
  Scenario: A malformed project id in a job's body is a JSON validation error
    When the administrator starts a job in the project "invalid" the way python-domino does
    Then the call is rejected as a bad request
    And the error message names "Json validation error"
