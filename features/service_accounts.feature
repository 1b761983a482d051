@service-accounts @admin
Feature: Service accounts
  Service accounts are technical users for automation. Only administrators create them,
  list them, deactivate them and activate them again; they are never deleted.

  # inferred: the create answer spells the key "username" (the docs' example spells it "userName")
  @inferred
  Scenario Outline: An administrator creates a service account
    Given service accounts are managed through <surface>
    When the administrator creates a service account "ci-bot"
    Then the service account "ci-bot" is created with a Mongo id and a Keycloak idpId

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: A new service account is listed with both of its ids
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator lists service accounts
    Then the list includes the service account "ci-bot" with its username, email, id and idpId

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: A username that is taken is refused with Domino's own message
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator creates another service account with the username of "ci-bot"
    Then the call is rejected as a duplicate
    And the error message is exactly "A user with the username {ci-bot} already exists."

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  # inferred: a duplicate email answers like a duplicate username, with a message naming the email
  @inferred
  Scenario Outline: An email that is taken is refused
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When the administrator creates another service account with the email of "ci-bot"
    Then the call is rejected as a duplicate
    And the error message names the email of "ci-bot"

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  # inferred: valid usernames are 1-64 of [A-Za-z0-9._-], starting with a letter or digit
  @inferred
  Scenario Outline: An invalid username is refused
    Given service accounts are managed through <surface>
    When the administrator creates a service account with the username "<username>"
    Then the call is rejected as a bad request about "username"

    Examples:
      | username                                                          | surface        |
      | -starts-with-a-dash                                               | /v4            |
      | -starts-with-a-dash                                               | the public API |
      | has space                                                         | /v4            |
      | has space                                                         | the public API |
      | slash/inside                                                      | /v4            |
      | slash/inside                                                      | the public API |
      | ümlaut                                                            | /v4            |
      | ümlaut                                                            | the public API |
      | a-name-that-is-far-too-long-for-a-service-account-username-at-all | /v4            |
      | a-name-that-is-far-too-long-for-a-service-account-username-at-all | the public API |

  # inferred: valid usernames are 1-64 of [A-Za-z0-9._-], starting with a letter or digit; the create answer spells "username"
  @inferred
  Scenario Outline: A valid username is accepted
    Given service accounts are managed through <surface>
    When the administrator creates a service account with <username>
    Then the service account "valid" is created with a Mongo id and a Keycloak idpId

    Examples:
      | username                                     | surface        |
      | a username of exactly 64 characters          | /v4            |
      | a username of exactly 64 characters          | the public API |
      | a username with dots, dashes and underscores | /v4            |
      | a username with dots, dashes and underscores | the public API |
      | a username that starts with a digit          | /v4            |
      | a username that starts with a digit          | the public API |

  Scenario Outline: An invalid email is refused
    Given service accounts are managed through <surface>
    When the administrator creates a service account with the email "<email>"
    Then the call is rejected as a bad request about "email"

    Examples: not an address in any email syntax
      | email              | surface        |
      | no-at-sign.example | /v4            |
      | no-at-sign.example | the public API |
      | @example.com       | /v4            |
      | @example.com       | the public API |
      | two@at@example.com | /v4            |
      | two@at@example.com | the public API |

    # inferred: an email's domain needs a dot (RFC 5322 allows a dotless domain)
    @inferred
    Examples: a domain without a dot
      | email           | surface        |
      | riley@localhost | /v4            |
      | riley@localhost | the public API |

  Scenario Outline: A required field is missing
    Given service accounts are managed through <surface>
    When the administrator creates a service account without a "<field>"
    Then the call is rejected as a bad request about "<field>"

    Examples:
      | field    | surface        |
      | username | /v4            |
      | username | the public API |
      | email    | /v4            |
      | email    | the public API |

  Scenario Outline: Plus addressing gives each service account its own email
    Given service accounts are managed through <surface>
    When the administrator creates a service account "riley" with the email "riley@example.com"
    And the administrator creates a service account "airflow" with the email "riley+airflow@example.com"
    Then both service accounts "riley" and "airflow" exist with their own emails

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: A deactivated service account is hidden from the default list
    Given service accounts are managed through <surface>
    And a service account "old-bot" that has been deactivated
    Then the administrator's list of service accounts does not include "old-bot"

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: Deactivated service accounts are listed on request
    Given service accounts are managed through <surface>
    And a service account "old-bot" that has been deactivated
    When the administrator lists service accounts including deactivated ones
    Then the list includes the service account "old-bot" with its username, email, id and idpId

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  Scenario Outline: An activated service account is listed again
    Given service accounts are managed through <surface>
    And a service account "old-bot" that has been deactivated and activated again
    Then the administrator's list of service accounts includes "old-bot"

    Examples:
      | surface        |
      | /v4            |
      | the public API |

  # inferred: deactivate and activate answer with the account (username, email, id, idpId)
  @inferred
  Scenario: Deactivating and activating answer with the account
    Given a service account "old-bot"
    When the administrator deactivates the service account "old-bot"
    Then the service account "old-bot" is returned with its username, email, id and idpId
    When the administrator activates the service account "old-bot"
    Then the service account "old-bot" is returned with its username, email, id and idpId

  Scenario Outline: Deactivating or activating an unknown service account is refused
    Given service accounts are managed through <surface>
    When the administrator <action> a service account that does not exist
    Then the call is rejected as not found

    Examples:
      | action      | surface        |
      | deactivates | /v4            |
      | deactivates | the public API |
      | activates   | /v4            |
      | activates   | the public API |

  Scenario Outline: Only administrators manage service accounts
    Given service accounts are managed through <surface>
    And a service account "ci-bot"
    When <caller> <operation>
    Then the call is rejected as <rejection>

    @non-admin
    Examples: a signed-in user who is not an administrator
      | caller           | operation                                | rejection | surface        |
      | a non-admin user | lists service accounts                   | forbidden | /v4            |
      | a non-admin user | lists service accounts                   | forbidden | the public API |
      | a non-admin user | creates a service account "intruder"     | forbidden | /v4            |
      | a non-admin user | creates a service account "intruder"     | forbidden | the public API |
      | a non-admin user | deactivates the service account "ci-bot" | forbidden | /v4            |
      | a non-admin user | deactivates the service account "ci-bot" | forbidden | the public API |
      | a non-admin user | activates the service account "ci-bot"   | forbidden | /v4            |
      | a non-admin user | activates the service account "ci-bot"   | forbidden | the public API |
      | a non-admin user | creates a token "stolen" for "ci-bot"    | forbidden | /v4            |
      | a non-admin user | creates a token "stolen" for "ci-bot"    | forbidden | the public API |
      | a non-admin user | lists the tokens of "ci-bot"             | forbidden | /v4            |
      | a non-admin user | lists the tokens of "ci-bot"             | forbidden | the public API |

    Examples: a service account, even with a valid token
      | caller              | operation                             | rejection | surface        |
      | the service account | lists service accounts                | forbidden | /v4            |
      | the service account | lists service accounts                | forbidden | the public API |
      | the service account | creates a service account "intruder"  | forbidden | /v4            |
      | the service account | creates a service account "intruder"  | forbidden | the public API |
      | the service account | creates a token "stolen" for "ci-bot" | forbidden | /v4            |
      | the service account | creates a token "stolen" for "ci-bot" | forbidden | the public API |
      | the service account | lists the tokens of "ci-bot"          | forbidden | /v4            |
      | the service account | lists the tokens of "ci-bot"          | forbidden | the public API |

    Examples: no credentials at all
      | caller                    | operation                             | rejection       | surface        |
      | an unauthenticated caller | lists service accounts                | unauthenticated | /v4            |
      | an unauthenticated caller | lists service accounts                | unauthenticated | the public API |
      | an unauthenticated caller | creates a service account "intruder"  | unauthenticated | /v4            |
      | an unauthenticated caller | creates a service account "intruder"  | unauthenticated | the public API |
      | an unauthenticated caller | creates a token "stolen" for "ci-bot" | unauthenticated | /v4            |
      | an unauthenticated caller | creates a token "stolen" for "ci-bot" | unauthenticated | the public API |

  Scenario Outline: Only administrators read, invalidate or delete a service account's token
    Given service accounts are managed through <surface>
    And a service account "ci-bot" with a token "deploy"
    When <caller> <operation> the token "deploy" of "ci-bot"
    Then the call is rejected as <rejection>
    And the answer does not hold the value of the token "deploy"
    And the token "deploy" is listed as valid
    And the token "deploy" authenticates as "ci-bot"

    @non-admin
    Examples: a signed-in user who is not an administrator
      | caller           | operation   | rejection | surface        |
      | a non-admin user | fetches     | forbidden | /v4            |
      | a non-admin user | fetches     | forbidden | the public API |
      | a non-admin user | invalidates | forbidden | /v4            |
      | a non-admin user | invalidates | forbidden | the public API |
      | a non-admin user | deletes     | forbidden | /v4            |
      | a non-admin user | deletes     | forbidden | the public API |

    Examples: the service account itself, with that very token
      | caller              | operation   | rejection | surface        |
      | the service account | fetches     | forbidden | /v4            |
      | the service account | fetches     | forbidden | the public API |
      | the service account | invalidates | forbidden | /v4            |
      | the service account | invalidates | forbidden | the public API |
      | the service account | deletes     | forbidden | /v4            |
      | the service account | deletes     | forbidden | the public API |

    Examples: no credentials at all
      | caller                    | operation   | rejection       | surface        |
      | an unauthenticated caller | fetches     | unauthenticated | /v4            |
      | an unauthenticated caller | fetches     | unauthenticated | the public API |
      | an unauthenticated caller | invalidates | unauthenticated | /v4            |
      | an unauthenticated caller | invalidates | unauthenticated | the public API |
      | an unauthenticated caller | deletes     | unauthenticated | /v4            |
      | an unauthenticated caller | deletes     | unauthenticated | the public API |
