@workspaces @admin @destructive
Feature: Workspaces, as an IDE client drives them
  A user who may work in a project launches a workspace there: an IDE, one of the workspace tools
  of the project's environment, run as one session at a time. The client follows the session until
  it runs, and stops it; a workspace whose session has stopped may be deleted. Each scenario works
  in a project it makes, with the environment and hardware tier the project's settings name. Every
  workspace a scenario makes is stopped and deleted after it, then the project archived.

  # the spec's createAndStartWorkspace and WorkspaceDto; Domino's maintenance tool
  # (dominodatalab/domino-maintenance-mode) reads mostRecentSession.sessionStatusInfo.isRunning
  Scenario: The project's owner launches a workspace, which runs
    Given a project "lab"
    When the administrator creates a workspace "notebook" in the project "lab"
    Then the answer describes the workspace "notebook" owned by the administrator
    And the workspace "notebook" eventually runs

  # Domino's maintenance tool stops a workspace with POST …/stop and waits for sessionStatusInfo.isCompleted
  Scenario: A stopped workspace's session completes
    Given a project "lab"
    And the administrator has a running workspace "notebook" in the project "lab"
    When the administrator stops the workspace "notebook"
    Then the workspace "notebook" eventually stops

  # inferred: a workspace whose session has stopped may be deleted, and is listed with the deleted ones
  @inferred
  Scenario: A stopped workspace is deleted
    Given a project "lab"
    And the administrator has a stopped workspace "notebook" in the project "lab"
    When the administrator deletes the workspace "notebook"
    Then the answer describes the workspace "notebook" as deleted
    And the deleted workspaces of the project "lab" include "notebook"
    And the provisioned workspaces of the project "lab" do not include "notebook"

  # inferred: a workspace whose session has not stopped cannot be deleted
  @inferred
  Scenario: A running workspace cannot be deleted
    Given a project "lab"
    And the administrator has a running workspace "notebook" in the project "lab"
    When the administrator deletes the workspace "notebook"
    Then the call is rejected as a bad request
    And the workspace "notebook" is not deleted

  # inferred: a workspace runs one session at a time
  @inferred
  Scenario: A running workspace starts no second session
    Given a project "lab"
    And the administrator has a running workspace "notebook" in the project "lab"
    When the administrator starts a session of the workspace "notebook"
    Then the call is rejected as a bad request

  # inferred: what a create leaves out (the spec requires it) comes from the project's settings
  @inferred
  Scenario: A workspace takes the project's default environment and hardware tier
    Given a project "lab"
    When the administrator creates a workspace "defaults" in the project "lab" giving only its name
    Then the workspace "defaults" uses the project "lab"'s default environment and hardware tier

  # the spec's getAvailableWorkspaceDefinitions and WorkspaceDefinitionDto
  Scenario: The workspace tools of a project
    Given a project "lab"
    When the administrator lists the workspace tools of the project "lab"
    Then the answer lists workspace tools, each with an id, a name and a title

  # the spec's getAvailableToolsForEnvironment and AvailableWorkspaceTools
  Scenario: The workspace tools an environment offers a project
    Given a project "lab"
    When the administrator lists the tools the default environment of the project "lab" offers
    Then the answer's workspaceTools each have an id, a name and a title

  # the spec's ownerProvisionedWorkspacesAllProjects and WorkspacePageCollectionDto
  Scenario: A workspace is among its owner's workspaces across projects
    Given a project "lab"
    And the administrator has a workspace "notebook" in the project "lab"
    When the administrator lists its workspaces across projects
    Then the list includes the workspace "notebook"

  # inferred: a Contributor may launch workspaces, as it may start jobs, and owns what it launches
  @inferred
  Scenario: A contributor launches a workspace, which it owns
    Given a service account "ide-bot" with a token "ide"
    And a project "lab" with "ide-bot" as a "Contributor"
    When a caller with the token "ide" creates a workspace "notebook" in the project "lab"
    Then the answer describes the workspace "notebook" owned by "ide-bot"

  # inferred: LauncherUser and ResultsConsumer may not launch workspaces, as they may not start jobs
  @inferred
  Scenario Outline: A role that may not launch workspaces
    Given a service account "ide-bot" with a token "ide"
    And a project "lab" with "ide-bot" as a "<role>"
    When a caller with the token "ide" creates a workspace "notebook" in the project "lab"
    Then the call is rejected as forbidden

    Examples:
      | role            |
      | LauncherUser    |
      | ResultsConsumer |

  # inferred: a workspace is its owner's; another Contributor of the project may not see it
  @inferred
  Scenario: Another contributor does not see a workspace
    Given a service account "ide-bot" with a token "ide"
    And a service account "other-bot" with a token "other"
    And a project "lab" with "ide-bot" as a "Contributor" and "other-bot" as a "Contributor"
    And a caller with the token "ide" has a workspace "notebook" in the project "lab"
    When a caller with the token "other" views the workspace "notebook"
    Then the call is rejected as forbidden

  # inferred: an unknown workspace is 404 in the v4 shape (the spec lists no 404 for getWorkspace)
  @inferred
  Scenario: A workspace that does not exist is not found
    Given a project "lab"
    When the administrator views a workspace that does not exist in the project "lab"
    Then the call is rejected as not found
    And the error has the v4 shape

  # inferred: an archived project is found by no route, so it gets no new workspace
  @inferred
  Scenario: An archived project gets no new workspace
    Given a project "lab"
    And the administrator has archived the project "lab"
    When the administrator creates a workspace "notebook" in the project "lab" giving only its name
    Then the call is rejected as not found

  @mock-only
  Scenario: A workspace session moves from queued to running to stopped
    Given the mock holds each workspace session at each stage until it is advanced
    And a project "lab"
    And the administrator has a workspace "notebook" in the project "lab"
    Then the workspace "notebook" is "Initializing", its session "Queued"
    When the mock advances the workspace "notebook"
    Then the workspace "notebook" is "Started", its session "Running"
    When the administrator stops the workspace "notebook"
    Then the workspace "notebook" is "Stopping", its session "Stopping"
    When the mock advances the workspace "notebook"
    Then the workspace "notebook" is "Stopped", its session "Stopped"
