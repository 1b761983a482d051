@models @admin @destructive
Feature: Models, their versions and exports, and a project's API endpoint
  python-domino publishes a model (POST /v1/models) with its first version, numbers the next
  (POST /v1/models/{id}/versions), lists a project's models and a model's versions, exports a
  version's image to a registry (POST /v4/models/{id}/{versionId}/exportImageToRegistry) and
  follows the export (GET /v4/models/{exportId}/getExportImageStatus, getExportLogs); its
  legacy endpoint_* methods publish and unpublish a project's API endpoint. Each scenario works
  in a private project it makes; the deployments of the versions it publishes are stopped and
  its endpoint unpublished after it, then the project archived.

  Background:
    Given the scenario works in a project of its own

  Scenario: A model is published the way python-domino publishes it
    When the administrator publishes a model "churn" the way python-domino does
    Then the answer is the model "churn" with its id as "_id" and "id"
    And the project's models list "churn"

  Scenario: A model's versions are numbered
    Given the administrator has published a model "churn"
    When the administrator publishes a new version of the model "churn"
    Then the new version is number 2
    And the model "churn" lists versions 1 and 2

  Scenario: An export of a model version ends, complete or failed
    Given the administrator has published a model "churn"
    When the administrator exports the latest version of the model "churn" to a registry
    Then the export is answered with its id and a status
    And the export eventually ends
    And the export's logs are read with its status

  Scenario: An export that does not exist is not found
    When the administrator reads the status of an export that does not exist
    Then the call is rejected as not found
    And the error has the v4 shape

  Scenario: A malformed export id is refused
    When the administrator reads the status of the export with the id "not-an-id"
    Then the call is rejected as a bad request about "not-an-id is not a valid ID"

  # inferred: a model names the file and the function it serves (python-domino always sends them)
  @inferred
  Scenario: A model without a file is refused
    When the administrator publishes a model "churn" without a file
    Then the call is rejected as a bad request about "file"

  # inferred: LauncherUser and ResultsConsumer may not publish models
  @inferred
  Scenario Outline: A role that may not publish models
    Given a service account "ci-bot" with a token "deploy" that is a "<role>" of the project
    When a caller with the token "deploy" publishes a model "churn" the way python-domino does
    Then the call is rejected as forbidden

    Examples:
      | role            |
      | LauncherUser    |
      | ResultsConsumer |

  # inferred: who may not read a private project may not list its models
  @inferred @non-admin
  Scenario: A non-member does not list a private project's models
    When a non-admin user lists the project's models
    Then the call is rejected as forbidden

  Scenario: The project's API endpoint is published and unpublished
    When the administrator publishes the project's API endpoint serving "main.py" "api_endpoint"
    Then the project's API endpoint is published, serving "main.py" "api_endpoint"
    When the administrator unpublishes the project's API endpoint
    Then the project's API endpoint is not published

  # inferred: a project that never published its endpoint reads as not published
  @inferred
  Scenario: A project's API endpoint is not published until it is
    When the administrator reads the state of the project's API endpoint
    Then the project's API endpoint is not published
