@scheduled-jobs @admin @destructive
Feature: Scheduled jobs
  A project's scheduled jobs start a job on a Quartz cron schedule ("Custom schedules in Domino
  are created using the quartz cron scheduler") until they are paused or unscheduled. Each
  scenario schedules its jobs in a project it makes; after it, every scheduled job it made is
  unscheduled, the jobs of its project are stopped and the project is archived.

  Scenario: An administrator schedules a job in a project
    Given a project "reports"
    When the administrator schedules "report.py" in the project "reports" on "0 0 2 * * ?"
    Then the answer describes the scheduled job running "report.py" on "0 0 2 * * ?", scheduled by the administrator

  Scenario: A project lists its scheduled jobs
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator lists the scheduled jobs of the project "reports"
    Then the list includes the scheduled job

  Scenario: A scheduled job is read by its id
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator reads the scheduled job
    Then the answer describes the scheduled job running "report.py" on "0 0 2 * * ?", scheduled by the administrator

  Scenario: A scheduled job is paused
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator pauses the scheduled job
    Then the answer says the scheduled job is paused
    And the scheduled job reads back as paused

  Scenario: A scheduled job's schedule is changed
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator changes the schedule of the scheduled job to "0 30 6 ? * MON-FRI"
    Then the answer describes the scheduled job running "report.py" on "0 30 6 ? * MON-FRI", scheduled by the administrator
    And the scheduled job reads back on "0 30 6 ? * MON-FRI"

  Scenario: An unscheduled job is no longer found
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator unschedules the scheduled job
    Then the call succeeds
    And the scheduled job is no longer found
    And the scheduled jobs of the project "reports" do not include it

  Scenario: A scheduled job that does not exist is not found
    Given a project "reports"
    When the administrator reads a scheduled job of the project "reports" that does not exist
    Then the call is rejected as not found
    And the error has the v4 shape

  # inferred: a schedule Quartz refuses (here a Unix cron expression, with no seconds) is a bad request
  @inferred
  Scenario: A schedule that is not a Quartz cron expression is refused
    Given a project "reports"
    When the administrator schedules "report.py" in the project "reports" on "0 2 * * *"
    Then the call is rejected as a bad request

  # inferred: an administrator may change every scheduled job of a project (canEdit)
  @inferred
  Scenario: The administrator may change every scheduled job of a project
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator lists the scheduled jobs of the project "reports" with what it may do
    Then the list says the administrator may edit the scheduled job

  # inferred: the roles that may start jobs may schedule them, to run as themselves
  @inferred
  Scenario: A contributor schedules a job, which runs as itself
    Given a service account "ci-bot" with a token "deploy"
    And a project "reports" with "ci-bot" as a "Contributor"
    When a caller with the token "deploy" schedules "etl.py" in the project "reports" on "0 0 3 * * ?"
    Then the answer describes the scheduled job running "etl.py" on "0 0 3 * * ?", scheduled by "ci-bot"

  # inferred: LauncherUser and ResultsConsumer may not schedule jobs, as they may not start them
  @inferred
  Scenario Outline: A role that may not start jobs may not schedule them
    Given a service account "ci-bot" with a token "deploy"
    And a project "reports" with "ci-bot" as a "<role>"
    When a caller with the token "deploy" schedules "etl.py" in the project "reports" on "0 0 3 * * ?"
    Then the call is rejected as forbidden

    Examples:
      | role            |
      | LauncherUser    |
      | ResultsConsumer |

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: The caller's scheduled runs are a list
    When the administrator lists its scheduled runs
    Then the answer is a list

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: The scheduled runs of a user that does not exist are not found
    When the administrator lists the scheduled runs of a user that does not exist
    Then the call is rejected as not found

  # inferred: GET /v4/scheduledruns lists the scheduled jobs the user scheduled
  @inferred
  Scenario: A scheduled job is among its user's scheduled runs
    Given a project "reports"
    And the administrator has scheduled "report.py" in the project "reports" on "0 0 2 * * ?"
    When the administrator lists its scheduled runs
    Then the list includes the scheduled job as a scheduled run of the project "reports"

  # documented: scheduled jobs "execute on a regular cadence". The mock's clock moves a minute on;
  # a real Domino is waited for (at most --job-timeout) until the job starts.
  Scenario: A scheduled job starts a job when its time comes
    Given a project "ticks"
    And the administrator has scheduled "tick.py" in the project "ticks" on "0 * * * * ?"
    When the scheduled job's time comes
    Then the project "ticks" has a job running "tick.py", started by the administrator

  # documented: "Pause schedule ... prevents the Jobs from executing on the specified schedule"
  @mock-only
  Scenario: A paused scheduled job starts no job
    Given a project "ticks"
    And the administrator has scheduled "tick.py" in the project "ticks" on "0 * * * * ?", paused
    When the mock's clock moves forward by 5 minutes
    Then the project "ticks" has no job running "tick.py"

  # inferred: each firing starts one job, submitted at the time the schedule names
  @mock-only @inferred
  Scenario: A scheduled job starts one job per firing, each submitted at its scheduled time
    Given a project "ticks"
    And the administrator has scheduled "tick.py" in the project "ticks" on "0 * * * * ?"
    When the mock's clock moves forward by 3 minutes
    Then the project "ticks" has a job running "tick.py" for each minute begun since it was scheduled, each submitted at the start of its minute

  # documented: "Run sequentially will cause the scheduler to always wait for the last Job it started to complete"
  @mock-only
  Scenario: A scheduled job that runs sequentially waits for its last job
    Given the mock holds each job at each stage until it is advanced
    And a project "ticks"
    And the administrator has scheduled "tick.py" in the project "ticks" on "0 * * * * ?", sequentially
    When the mock's clock moves forward by 3 minutes
    Then the project "ticks" has 1 job running "tick.py"
    When the mock completes the jobs of the project "ticks"
    Then the project "ticks" has 2 jobs running "tick.py"
