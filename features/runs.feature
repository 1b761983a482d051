@runs @admin @destructive
Feature: Runs and jobs once started
  A legacy run, as python-domino's runs_start starts it, is a job: listed and read through the
  v1 runs routes and seen by the v4 jobs routes. A job starts from the commit, hardware tier and
  git ref it names, else from its project's; it can be restarted, renamed and archived, and tells
  what it runs with. Each scenario makes a project of its own (archived afterwards) and starts
  short jobs in it (stopped afterwards unless they completed).

  Scenario: A run started the way python-domino does is a job
    Given a project "lab"
    When the administrator starts a run of "echo hello" in the project "lab" the way python-domino does
    Then the answer gives the run's id
    And the v4 API describes the run as a job of the project "lab" running "echo hello"

  # inferred: the runs list is {"objectType":"list","uri","data"}, newest first, each run in the shape of the v1 API's example
  @inferred
  Scenario: A project's runs are listed newest first
    Given a project "lab"
    And the administrator has started a run of "echo one" in the project "lab"
    And the administrator has started a run of "echo two" in the project "lab"
    When the administrator lists the runs of the project "lab"
    Then the run list holds the two runs, newest first

  Scenario: A run is followed to its end through the run list, as runs_start_blocking does
    Given a project "lab"
    And the administrator has started a run of "echo hello" in the project "lab"
    When the administrator follows the run to its end through the run list
    Then the run has succeeded with an output commit

  # inferred: runs_status answers the run alone, in the shape of the v1 API's example
  @inferred
  Scenario: A run's status is read by its id
    Given a project "lab"
    And the administrator has started a run of "echo hello" in the project "lab"
    When the administrator reads the run
    Then the answer describes the run in the v1 shape

  Scenario: A job starts from its project's latest commit unless it names one
    Given a project "lab" with the file "data.csv" uploaded twice
    When the administrator starts a job running "echo hi" in the project "lab"
    Then the job starts from the project's latest commit
    When the administrator starts a job running "echo hi" in the project "lab" on its first commit
    Then the job starts from the project's first commit

  # inferred: a commitId that is not one of the project's is refused at once (python-domino checks it before sending)
  @inferred
  Scenario: A job cannot start from a commit its project does not have
    Given a project "lab" with the file "data.csv" uploaded twice
    When the administrator starts a job running "echo hi" in the project "lab" on a commit the project does not have
    Then the call is rejected as a bad request about "commitId"

  Scenario: A job that names no hardware tier runs on the one its project's settings name
    Given a project "lab"
    When the administrator sets the default hardware tier of the project "lab" to the last tier it may use
    And the administrator starts a job running "echo hi" in the project "lab"
    Then the job runs on the hardware tier the project's settings name

  Scenario: A job started from a branch of the main repository shows the branch
    When the administrator starts a job running "echo hi" from the branch "main" of the project's main repository
    Then the job shows the branch "main" as its main repository's ref

  # inferred: a project without a git repository refuses a mainRepoGitRef
  @inferred
  Scenario: A project without a git repository refuses a git ref
    Given a project "lab"
    When the administrator starts a job running "echo hi" in the project "lab" from the branch "main"
    Then the call is rejected as a bad request about "mainRepoGitRef"

  Scenario: A job restarted on its original commit is a new job with the same command
    Given a project "lab" with the file "data.csv" uploaded twice
    And the administrator has started a job running "echo hi" in the project "lab" on its first commit, and it has completed
    When the administrator restarts the job on its original commit
    Then the answer is a new job running "echo hi" from the project's first commit

  # inferred: a restart that does not use the original input commit starts from the project's latest commit
  @inferred
  Scenario: A job restarted on the latest commit starts from it
    Given a project "lab" with the file "data.csv" uploaded twice
    And the administrator has started a job running "echo hi" in the project "lab" on its first commit, and it has completed
    When the administrator restarts the job on the latest commit
    Then the answer is a new job running "echo hi" from the project's latest commit

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A job is renamed
    Given a project "lab"
    And the administrator has started a job running "echo hi" in the project "lab"
    When the administrator renames the job "Hello World"
    Then the answer is the job titled "Hello World"
    And the job is titled "Hello World" when it is read again

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A job that does not exist cannot be renamed
    When the administrator renames a job that does not exist
    Then the call is rejected as not found

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino
  Scenario: A job with a malformed id cannot be renamed
    When the administrator renames a job with a malformed id
    Then the call is rejected as a bad request
    And the error message names "invalid is not a valid ID"

  # observed by ksmpartners/domino-java-client's integration tests against a live Domino (the fields read)
  Scenario: A job tells what it runs with
    Given a project "lab"
    And the administrator has started a job running "echo hi" in the project "lab"
    When the administrator reads the job's runtime execution details
    Then the answer names the job's environment, its revision and its hardware tier

  Scenario: An archived job leaves the job list unless archived jobs are asked for
    Given a project "lab"
    And the administrator has started a job running "echo hi" in the project "lab", and it has completed
    When the administrator archives the job
    Then the answer is the job, archived
    When the administrator lists the jobs of the project "lab"
    Then the job list leaves out the job
    When the administrator lists the jobs of the project "lab" with archived ones
    Then the job list includes the job, archived

  # inferred: a finished job's results are a commit, the project's new latest commit
  @inferred
  Scenario: A finished job's results are its project's latest commit
    Given a project "lab" with the file "data.csv" uploaded twice
    And the administrator has started a job running "echo hi" in the project "lab", and it has completed
    Then the job's output commit is the project's latest commit
