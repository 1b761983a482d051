@apps @admin @destructive
Feature: Apps published from a project
  An app is one of the v4 API's model products, of type APP, in a project. python-domino's
  app_publish creates one (POST /v4/modelProducts) when the project has none, then starts it
  (POST /v4/modelProducts/{id}/start); app_unpublish reads its status and stops it
  (POST …/stop); app_get_status reads the status of GET /v4/modelProducts/{id}; its app_id
  is the first app GET /v4/modelProducts?projectId= lists. Each scenario works in a private
  project it makes; every app it starts is stopped after it, then the project archived.

  Background:
    Given the scenario works in a project of its own

  Scenario: An app is created the way python-domino creates it
    When the administrator creates an app "dash" in the project the way python-domino does
    Then the answer describes the app "dash" in the project
    And the first app the project lists is "dash"

  # inferred: an app that was never started reads as Stopped (app_unpublish then stops nothing)
  @inferred
  Scenario: A new app is stopped until it is published
    Given the administrator has created an app "dash"
    When the administrator views the app "dash"
    Then the answer describes the app "dash" in the project
    And the app is "Stopped"

  Scenario: A published app runs, and stops when told
    Given the administrator has created an app "dash"
    When the administrator publishes the app "dash" the way python-domino does
    Then the start is answered with an id
    And the app "dash" is eventually "Running"
    When the administrator stops the app "dash"
    Then the app "dash" is eventually "Stopped"

  # inferred: one app name per project, refused as a duplicate account name is
  @inferred
  Scenario: A project's apps have distinct names
    Given the administrator has created an app "dash"
    When the administrator creates another app with the name of "dash"
    Then the call is rejected as a duplicate

  # inferred: an app that is starting or running is stopped before it starts again
  @inferred
  Scenario: A running app is not started again
    Given the administrator has created an app "dash"
    And the administrator has published the app "dash"
    When the administrator publishes the app "dash" the way python-domino does
    Then the call is rejected as a bad request

  # inferred: the roles that may start jobs publish apps; LauncherUser and ResultsConsumer may not
  @inferred
  Scenario: A contributor publishes an app
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" creates an app "dash" in the project the way python-domino does
    And a caller with the token "deploy" publishes the app "dash" the way python-domino does
    Then the start is answered with an id

  # inferred: LauncherUser and ResultsConsumer may not publish apps
  @inferred
  Scenario Outline: A role that may not publish apps
    Given a service account "ci-bot" with a token "deploy" that is a "<role>" of the project
    When a caller with the token "deploy" creates an app "dash" in the project the way python-domino does
    Then the call is rejected as forbidden

    Examples:
      | role            |
      | LauncherUser    |
      | ResultsConsumer |

  # inferred: who may not read a private project may not read its apps
  @inferred @non-admin
  Scenario: Another user's private project's apps are not listed to a non-member
    Given the administrator has created an app "dash"
    When a non-admin user lists the project's apps
    Then the call is rejected as forbidden

  Scenario: An app that does not exist is not found
    When the administrator views an app that does not exist
    Then the call is rejected as not found
    And the error has the v4 shape

  Scenario: A malformed app id is refused
    When the administrator views the app with the id "not-an-id"
    Then the call is rejected as a bad request about "not-an-id is not a valid ID"
