@environments @destructive
Feature: Compute environments and their revisions
  Anyone may create a private environment, which they own; only administrators make one global.
  An environment's revisions are numbered; python-domino creates environments and revisions
  through the public API, lists them through the v1 API, and reads the default environment's
  image from the v4 API. Every environment a scenario creates is archived after it.

  @non-admin
  Scenario: A user creates a private environment, which they own
    When a non-admin user creates a "private" environment "mine" through the public API
    Then the answer describes the environment "mine" as "private", owned by the caller
    And its latest revision is number 1
    And the v4 API shows the latest revision of the environment "mine"

  # documented: "Only Admins can make the environment Globally Accessible"
  @non-admin
  Scenario: A user may not create a global environment
    When a non-admin user creates a "global" environment "shared" through the public API
    Then the call is rejected as forbidden

  @admin
  Scenario: An administrator creates a global environment, which has no owner
    When the administrator creates a "global" environment "shared" through the public API
    Then the answer describes the environment "shared" as "global", with no owner

  @admin
  Scenario: Revisions are numbered
    Given the administrator has created a "private" environment "numbered"
    When the administrator adds a revision to the environment "numbered"
    And the administrator adds a revision to the environment "numbered"
    Then the new revision is number 3
    And the v4 API shows the latest revision of the environment "numbered"

  @admin
  Scenario: An administrator restricts a revision
    Given the administrator has created a "private" environment "classified"
    When the administrator restricts the first revision of the environment "classified"
    Then the answer names that revision
    And the v4 API shows the first revision of the environment "classified" as the restricted one

  # inferred: only administrators restrict a revision (the spec names the ClassifyEnvironments permission)
  @non-admin @inferred
  Scenario: A user may not restrict a revision of their own environment
    Given a non-admin user has created a "private" environment "mine"
    When a non-admin user restricts the first revision of the environment "mine"
    Then the call is rejected as forbidden

  @admin
  Scenario: An archived environment says so
    Given the administrator has created a "private" environment "old"
    When the administrator archives the environment "old" through the public API
    Then the answer describes the environment "old" as archived
    And the v4 API shows the environment "old" as archived

  # inferred: archived environments are listed nowhere
  @admin @inferred
  Scenario: An archived environment is no longer listed
    Given the administrator has created a "private" environment "old"
    And the administrator has archived the environment "old"
    When the administrator lists the environments through the public API
    Then the list does not include the environment "old"

  # the spec's EnvironmentDetails; python-domino's create_environment reads this image
  @admin
  Scenario: The default environment gives the image new environments start from
    When the administrator asks for the default environment
    Then the answer is a global environment whose latest revision has a docker image

  # python-domino's tests against a live Domino read objectType and data
  @admin
  Scenario: The v1 API lists the environments, the default one among them
    When the administrator lists the environments through the v1 API
    Then the answer is a v1 list that includes the default environment

  # inferred: /v1's create answers the list's item, its id spelled _id and id
  @admin @inferred
  Scenario: The v1 API creates an environment and names its id both ways
    When the administrator creates a "Private" environment "v1env" through the v1 API
    Then the answer names the environment "v1env" by both _id and id

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  @admin
  Scenario: A project has a selected environment among those it offers
    When the administrator lists the project's environments
    Then the project's selected environment is one it offers

  # inferred: a project may use the caller's own private environments
  @admin @inferred
  Scenario: A project offers its caller's private environment
    Given the administrator has created a "private" environment "mine"
    When the administrator lists the project's environments
    Then the project offers the environment "mine"

  # inferred: a revision pinned with assignLatestRevisionAsActive false stays the active one
  @admin @inferred
  Scenario: A pinned revision stays the active one
    Given the administrator has created a "private" environment "pinned"
    And the administrator has pinned the active revision of the environment "pinned"
    When the administrator adds a revision to the environment "pinned"
    Then the v4 API shows the first revision of the environment "pinned" as the active one

  @admin
  Scenario Outline: An environment that does not exist is not found
    When the administrator asks for an environment that does not exist through <api>
    Then the call is rejected as not found
    And the error has <shape>

    Examples:
      | api            | shape                           |
      | the v4 API     | the v4 shape                    |
      | the public API | the public API shape {"error"}  |

  # the v4 spec's pattern for environmentId, refused as on every route observed
  @admin
  Scenario Outline: An environment id that is not a Mongo ObjectId is refused as a bad request
    When the administrator asks for the environment "invalid" through <api>
    Then the call is rejected as a bad request
    And the error message names "invalid is not a valid ID"

    Examples:
      | api            |
      | the v4 API     |
      | the public API |

  # inferred: the public API takes a visibility capitalized, as python-domino's documentation writes it
  @non-admin @inferred
  Scenario: The public API takes the visibility as python-domino's documentation writes it
    When a non-admin user creates a "Private" environment "capitalized" through the public API
    Then the answer describes the environment "capitalized" as "private", owned by the caller

  # inferred: a user may not read another user's private environment
  @admin @non-admin @inferred
  Scenario: Another user's private environment cannot be read
    Given a non-admin user has created a "private" environment "mine"
    And a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" asks for the environment "mine"
    Then the call is rejected as forbidden
