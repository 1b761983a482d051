@files
Feature: Files and commits of a project
  A project holds files in commits. python-domino uploads a file with its bytes as the body of
  PUT /v1/projects/{owner}/{name}/{path}, lists the project's commits and the files of one, and
  reads a file by its key or by commit and path. Each scenario works in a private project it makes
  (archived after it, with its files), and puts its files in a folder of its own there.

  Background:
    Given the scenario works in a project of its own

  Scenario: The project's commits are listed, newest first
    When the administrator lists the project's commits
    Then the answer is a list of commits, each with an id, a name and a time, newest first

  @admin @destructive
  Scenario: An upload makes a commit holding the file
    When the administrator uploads "hello.txt" holding "hello, world" to the project
    Then the upload is answered with the path of "hello.txt", its size and a key
    And the project's newest commit lists "hello.txt" with that key
    And the file "hello.txt" reads "hello, world" at the newest commit
    And the file reads "hello, world" by its key

  @admin @destructive
  Scenario: An earlier commit still reads as it was
    Given the administrator has uploaded "notes.txt" holding "first"
    And the administrator has uploaded "notes.txt" holding "second"
    Then the file "notes.txt" reads "second" at the newest commit
    And the file "notes.txt" reads "first" at the commit before it
    And the project's commits are listed newest first

  # inferred: a folder lists every file below it, at any depth, and nothing else
  @inferred @admin @destructive
  Scenario: The files under a folder are listed
    Given the administrator has uploaded "data/train/part-1.csv" holding "a,b"
    And the administrator has uploaded "other.txt" holding "not in data"
    When the administrator lists the files under "data" at the newest commit
    Then the list holds "data/train/part-1.csv" only

  # inferred: a path that names no file in the project is refused with 400
  @inferred @admin @destructive
  Scenario Outline: An upload to a path outside the project is refused
    When the administrator uploads "<path>" holding "escaped" to the project
    Then the call is rejected as a bad request about "path"

    Examples:
      | path                   |
      | ../escape.txt          |
      | inner/../../escape.txt |
      | ./escape.txt           |
      | inner//escape.txt      |
      | inner/<NUL>.txt        |

  # inferred: a path that names no file in the project is refused with 400
  @inferred @admin @destructive
  Scenario Outline: A read of a path outside the project is refused
    Given the administrator has uploaded "kept.txt" holding "kept"
    When the administrator reads "<path>" at the newest commit
    Then the call is rejected as a bad request
    And the error has the public API shape {"error"}

    Examples:
      | path               |
      | ../kept.txt        |
      | inner/../kept.txt  |
      | inner/<NUL>.txt    |

  @admin @destructive
  Scenario: A file that does not exist at a commit is not found
    Given the administrator has uploaded "kept.txt" holding "kept"
    When the administrator reads "missing.txt" at the newest commit
    Then the call is rejected as not found
    And the error has the public API shape {"error"}

  # inferred: files_list of a commit the project does not have answers 404
  @inferred
  Scenario: The files of a commit that does not exist are not found
    When the administrator lists the files of a commit that does not exist
    Then the call is rejected as not found
    And the error has the v4 shape

  @non-admin
  Scenario: A user who is not a collaborator cannot list a private project's commits
    When a non-admin user lists the project's commits
    Then the call is rejected as forbidden
    And the error has the v4 shape

  # inferred: a LauncherUser may read a project's files but not change them
  @inferred @admin @destructive
  Scenario: A launcher cannot upload
    Given a service account "runner" with a token "run" that is a "LauncherUser" of the project
    When a caller with the token "run" uploads "launched.txt" holding "no" to the project
    Then the call is rejected as forbidden

  @admin @destructive
  Scenario: A contributor uploads with its token
    Given a service account "ci-bot" with a token "deploy" that is a "Contributor" of the project
    When a caller with the token "deploy" uploads "model.bin" holding "weights" to the project
    Then the upload is answered with the path of "model.bin", its size and a key
    And the file "model.bin" reads "weights" at the newest commit

  # inferred: a fork's files are its source's newest ones, in one commit (its history is not copied)
  @inferred @admin @destructive
  Scenario: A fork holds the project's newest files
    Given the administrator has uploaded "model/config.yaml" holding "epochs: 1"
    And the administrator has uploaded "model/config.yaml" holding "epochs: 3"
    When the administrator forks the project "own" as "copy"
    Then the fork "copy" holds "model/config.yaml" reading "epochs: 3" in one commit of its own

  @mock-only
  Scenario: An uploaded file's content is kept out of the mock's journal
    When the administrator uploads "secret.env" holding "API_TOKEN=do-not-journal" to the project
    Then the file's content is kept out of the mock's journal
