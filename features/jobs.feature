@jobs @admin @destructive
Feature: Jobs started with a service-account token
  A service account that may start jobs in a project starts them with its token, through the
  public API or the v4 API that python-domino uses, and follows them to completion.

  Scenario: A contributor starts a job through the public API
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" starts a job running "main.py" through the public API
    Then the public API describes the job running "main.py", started by "ci-bot"
    And the job eventually completes successfully

  Scenario: A contributor starts a job the way python-domino does
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" starts a job running "train.py" the way python-domino does
    Then the v4 API describes the job running "train.py" in the project, started by "ci-bot"
    And the job eventually completes successfully

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A job started without a title has a null title
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" starts a job running "train.py" through the v4 API
    Then the v4 API gives the job a null title

  # inferred: a collaborator with the Owner role may start jobs
  @inferred
  Scenario: An owner may start jobs too
    Given a service account "ci-bot" with a token "deploy" that is an "Owner" of the project
    When a caller with the token "deploy" starts a job running "main.py" through the v4 API
    Then the v4 API describes the job running "main.py" in the project, started by "ci-bot"

  # inferred: LauncherUser and ResultsConsumer may not start jobs
  @inferred
  Scenario Outline: A role that may not start jobs
    Given a service account "ci-bot" with a token "deploy" that is a "<role>" of the project
    When a caller with the token "deploy" starts a job running "main.py" through the <api>
    Then the call is rejected as forbidden

    Examples:
      | role            | api        |
      | LauncherUser    | public API |
      | ResultsConsumer | public API |
      | LauncherUser    | v4 API     |
      | ResultsConsumer | v4 API     |

  # inferred: LauncherUser and ResultsConsumer may not stop jobs
  @inferred
  Scenario Outline: A role that may not start jobs may not stop them either
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a caller with the token "deploy" has started a job running "main.py"
    And a service account "cd-bot" with a token "watch" that is a "<role>" of the project
    When a caller with the token "watch" stops the job
    Then the call is rejected as forbidden
    And the job has not been stopped

    Examples:
      | role            |
      | LauncherUser    |
      | ResultsConsumer |

  Scenario: A job that does not exist is not found
    When the administrator views a job that does not exist
    Then the call is rejected as not found
    And the error has the v4 shape

  Scenario: A service account that is not a collaborator cannot start jobs
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" starts a job running "main.py" through the public API
    Then the call is rejected as forbidden

  Scenario: A job cannot be started with an invalidated token
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And the token "deploy" has been invalidated
    When a caller with the token "deploy" starts a job running "main.py" through the public API
    Then the call is rejected as unauthenticated

  Scenario Outline: A job needs a project and a command
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" starts a job through the public API without a "<field>"
    Then the call is rejected as a bad request about "<field>"

    Examples:
      | field      |
      | projectId  |
      | runCommand |

  # inferred: GET /v4/jobs?projectId= answers the spec's JobSet {"jobs":[...],"totalCount"}, where the contract says "a list"
  @inferred
  Scenario: The project's job list includes a started job
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a caller with the token "deploy" has started a job running "main.py"
    When a caller with the token "deploy" lists the project's jobs
    Then the job list includes the job and counts it

  Scenario: The output of a completed job can be read
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a caller with the token "deploy" has started a job running "main.py"
    When the job has completed
    And a caller with the token "deploy" reads the job's output
    Then the answer holds the job's output and its setup output

  @mock-only
  Scenario: A job moves from queued to running to succeeded
    Given the mock holds each job at each stage until it is advanced
    And a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a caller with the token "deploy" has started a job running "main.py"
    Then the job is "Queued" and not completed
    When the mock advances the job
    Then the job is "Running" and not completed
    When the mock advances the job
    Then the job is "Succeeded" and completed

  @mock-only
  Scenario: A running job is stopped
    Given the mock holds each job at each stage until it is advanced
    And a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a caller with the token "deploy" has started a job running "main.py"
    When a caller with the token "deploy" stops the job
    Then the v4 API describes the job as "Stopped"
    And the job is "Stopped" and completed

  @mock-only
  Scenario: A job's output can be read
    Given the mock's jobs print "hello from mockdomino"
    And a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    And a caller with the token "deploy" has started a job running "main.py"
    When the job has completed
    And a caller with the token "deploy" reads the job's output
    Then the output is "hello from mockdomino"
