@proxy
Feature: The API proxy
  Inside a workspace the API proxy adds the workspace user's credentials to every request,
  so callers send none. It also hands out a short-lived access token for that user.

  Scenario: A call through the proxy needs no credentials
    When a caller through the API proxy asks who they are
    Then the answer is a user with ids, names, email and roles

  Scenario: The proxy hands out an access token as plain text
    When a caller through the API proxy asks for an access token
    Then the access token is a JWT sent as plain text

  # inferred: the proxy's access token works as a Bearer on the API host
  @inferred
  Scenario: The proxy's access token authenticates its user on the API host
    When a caller through the API proxy asks for an access token
    Then the access token is a JWT sent as plain text
    And the access token authenticates on the API host as the proxy's user

  @admin
  Scenario: The notebook's flow works through the proxy
    When a caller through the API proxy creates a service account "nb-bot"
    Then the administrator's list of service accounts includes "nb-bot"
    And a caller through the API proxy can create a token "nb-token" for "nb-bot"

  # inferred: a call through the proxy that brings its own credentials is authenticated with them
  @admin @inferred
  Scenario: A call through the proxy that carries a token acts as that token's account
    Given a service account "ci-bot" with a token "deploy"
    When a caller through the API proxy with the token "deploy" asks who they are
    Then the answer is the service account "ci-bot"

  # inferred: a call through the proxy that brings its own credentials is authenticated with them
  @admin @inferred
  Scenario: A refused token stays refused through the proxy
    Given a service account "ci-bot" with a token "deploy"
    And the token "deploy" has been invalidated
    When a caller through the API proxy with the token "deploy" asks who they are
    Then the call is rejected as unauthenticated
