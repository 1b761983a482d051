@users
Feature: Who is calling
  Every caller can ask who they are. Administrators and users sign in with an API key,
  service accounts with a token; behind the API proxy the workspace's user is added for you.

  @admin
  Scenario: The administrator asks who they are
    When the administrator asks who they are
    Then the answer is a user with ids, names, email and roles
    And the answer has the "SysAdmin" role

  @non-admin
  Scenario: A user who is not an administrator asks who they are
    When a non-admin user asks who they are
    Then the answer is a user with ids, names, email and roles
    And the answer does not have the "SysAdmin" role

  @admin
  Scenario: A service account asks who it is
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" asks who they are
    Then the answer is the service account "ci-bot"

  @admin
  Scenario: The public API describes the caller too
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" asks the public API who they are
    Then the public API's answer is the service account "ci-bot"
    And the answer carries a request id and no notices

  @admin
  Scenario: The principal of an administrator
    When the administrator asks for their principal
    Then the principal is an administrator and not anonymous

  @admin
  Scenario: The principal of a service account
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" asks for their principal
    Then the principal is "ci-bot", not an administrator and not anonymous

  @admin
  Scenario: Service accounts appear among the users under their username
    Given a service account "ci-bot"
    When the administrator lists the users
    Then the users include "ci-bot" under its username, with both ids

  Scenario Outline: Asking without credentials
    When an unauthenticated caller <question>
    Then the call is rejected as unauthenticated

    Examples:
      | question                          |
      | asks who they are                 |
      | asks the public API who they are  |
      | lists the users                   |

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario Outline: The users can be filtered to exactly one
    Given a service account "ci-bot"
    When the administrator lists the users <filter> "ci-bot"
    Then the users are exactly "ci-bot"

    Examples:
      | filter         |
      | named like     |
      | with the id of |
