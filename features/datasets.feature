@datasets
Feature: Datasets
  A dataset belongs to a project and holds files in snapshots. python-domino creates, lists,
  renames and removes datasets through the legacy /dataset routes, and uploads files through a
  chunked protocol (start, test, chunk, end) whose every ended session makes a new snapshot;
  clients read them back through /v4/datasetrw. Each scenario works in a private project it
  makes, and deletes the datasets it creates (the project is archived after it).

  Background:
    Given the scenario works in a project of its own

  @admin @destructive
  Scenario: A dataset is created in a project and python-domino lists it there
    When the administrator creates the dataset "raw" in the project
    Then the dataset "raw" is answered with its name, the project and one snapshot
    And the project's datasets, as python-domino lists them, name "raw"

  # inferred: a second dataset of the same name in a project answers the profile's duplicate status
  @inferred @admin @destructive
  Scenario: A dataset's name is unique in its project
    Given the administrator has created the dataset "raw"
    When the administrator creates the dataset "raw" in the project
    Then the call is rejected as a duplicate

  @admin @destructive
  Scenario: Files uploaded in chunks that arrive out of order read back byte for byte
    Given the administrator has created the dataset "raw"
    When the administrator uploads "data/part.csv" holding "a,b\n1,2\n3,4\n" to the dataset "raw" in 3 chunks, the last first
    Then the dataset "raw" has a new read-write snapshot
    And "data/part.csv" reads "a,b\n1,2\n3,4\n" in the dataset "raw"

  @admin @destructive
  Scenario: An upload that is never ended leaves no snapshot
    Given the administrator has created the dataset "raw"
    When the administrator starts an upload to the dataset "raw" and sends "draft.txt" holding "draft" without ending it
    Then the dataset "raw" has only its first snapshot

  # inferred: the test route answers 200 for a chunk the session holds with that checksum, 204 for one it does not
  @inferred @admin @destructive
  Scenario: The upload's test says which chunks the session holds
    Given the administrator has started an upload to the dataset "raw" and sent "x.txt" holding "held"
    When the administrator asks whether the upload holds "x.txt" holding "held"
    Then the answer is 200 with no body
    When the administrator asks whether the upload holds "x.txt" holding "other bytes"
    Then the answer is 204 with no body

  # inferred: a user outside the dataset's project reads it only with a grant, and a reader may not upload
  @inferred @admin @non-admin @destructive
  Scenario: Grants decide who may read and write a dataset
    Given the administrator has created the dataset "raw"
    When a non-admin user reads the dataset "raw"
    Then the call is rejected as forbidden
    When the administrator grants a non-admin user "DatasetRwReader" on the dataset "raw"
    And a non-admin user reads the dataset "raw"
    Then the call succeeds
    When a non-admin user starts an upload to the dataset "raw"
    Then the call is rejected as forbidden

  @admin @destructive
  Scenario Outline: A dataset path that names no file is refused
    Given the administrator has created the dataset "raw" holding "kept.txt"
    When the administrator <reads> "<path>" in the dataset "raw"
    Then the call is rejected as a bad request about "<message>"

    Examples:
      | reads     | path        | message                        |
      | reads     | /           | Invalid path input             |
      | reads     | missing.txt | file missing.txt does not exist |
      | lists     | /           | Invalid path input             |
      | lists     | missing     | file missing does not exist    |

  Scenario Outline: A malformed dataset or snapshot id is refused, an unknown one not found
    When the administrator reads "<route>" with the id "<id>"
    Then the call is rejected as <rejection>

    Examples:
      | route                                  | id                       | rejection                                         |
      | /v4/datasetrw/datasets/{id}            | invalid                  | a bad request about "invalid is not a valid ID" |
      | /v4/datasetrw/snapshots/{id}           | invalid                  | a bad request about "invalid is not a valid ID" |
      | /v4/datasetrw/snapshot/{id}            | invalid                  | a bad request about "invalid is not a valid ID" |
      | /v4/datasetrw/files/{id}?path=         | invalid                  | a bad request about "invalid is not a valid ID" |
      | /v4/datasetrw/snapshot/{id}/file/raw?path=a.txt | invalid         | a bad request about "invalid is not a valid ID" |
      | /v4/datasetrw/datasets/{id}            | 000000000000000000000000 | not found                                         |
      | /v4/datasetrw/snapshots/{id}           | 000000000000000000000000 | not found                                         |
      | /v4/datasetrw/snapshot/{id}            | 000000000000000000000000 | not found                                         |

  @admin @destructive
  Scenario: datasets-v2 lists a project's datasets, and none for an id that names nothing
    Given the administrator has created the dataset "raw"
    When the administrator lists datasets-v2 of the project
    Then the list holds the dataset "raw"
    When the administrator lists datasets-v2 with projectIdsToInclude naming nothing
    Then the answer is an empty list
    When the administrator lists datasets-v2 with datasetIds naming nothing
    Then the answer is an empty list

  @admin @destructive
  Scenario: python-domino renames a dataset and removes it
    Given the administrator has created the dataset "raw"
    When the administrator renames the dataset "raw" to "renamed" as python-domino does
    Then the dataset's details, as python-domino reads them, name "renamed"
    When the administrator removes the dataset "raw" as python-domino does
    Then the dataset "raw" is not found

  @admin @destructive
  Scenario: A dataset shared into another project is mounted there
    Given the administrator has created the dataset "raw"
    And a project "consumer"
    When the administrator shares the dataset "raw" into the project "consumer"
    Then the project "consumer" mounts the dataset "raw"
