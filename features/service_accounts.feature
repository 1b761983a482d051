@service-accounts @admin
Feature: Service accounts
  Service accounts are technical users for automation. Only administrators create them,
  list them, deactivate them and activate them again; they are never deleted.

  # inferred: the create answer spells the key "username" (the docs' example spells it "userName")
  @inferred
  Scenario: An administrator creates a service account
    When the administrator creates a service account "ci-bot"
    Then the service account "ci-bot" is created with a Mongo id and a Keycloak idpId

  Scenario: A new service account is listed with both of its ids
    Given a service account "ci-bot"
    When the administrator lists service accounts
    Then the list includes the service account "ci-bot" with its username, email, id and idpId

  Scenario: A username that is taken is refused with Domino's own message
    Given a service account "ci-bot"
    When the administrator creates another service account with the username of "ci-bot"
    Then the call is rejected as a duplicate
    And the error message is exactly "A user with the username {ci-bot} already exists."

  # inferred: a duplicate email answers like a duplicate username, with a message naming the email
  @inferred
  Scenario: An email that is taken is refused
    Given a service account "ci-bot"
    When the administrator creates another service account with the email of "ci-bot"
    Then the call is rejected as a duplicate
    And the error message names the email of "ci-bot"

  # inferred: valid usernames are 1-64 of [A-Za-z0-9._-], starting with a letter or digit
  @inferred
  Scenario Outline: An invalid username is refused
    When the administrator creates a service account with the username "<username>"
    Then the call is rejected as a bad request about "username"

    Examples:
      | username                                                          |
      | -starts-with-a-dash                                               |
      | has space                                                         |
      | slash/inside                                                      |
      | ümlaut                                                            |
      | a-name-that-is-far-too-long-for-a-service-account-username-at-all |

  # inferred: valid usernames are 1-64 of [A-Za-z0-9._-], starting with a letter or digit; the create answer spells "username"
  @inferred
  Scenario Outline: A valid username is accepted
    When the administrator creates a service account with <username>
    Then the service account "valid" is created with a Mongo id and a Keycloak idpId

    Examples:
      | username                                       |
      | a username of exactly 64 characters            |
      | a username with dots, dashes and underscores   |
      | a username that starts with a digit            |

  Scenario Outline: An invalid email is refused
    When the administrator creates a service account with the email "<email>"
    Then the call is rejected as a bad request about "email"

    Examples: not an address in any email syntax
      | email               |
      | no-at-sign.example  |
      | @example.com        |
      | two@at@example.com  |

    # inferred: an email's domain needs a dot (RFC 5322 allows a dotless domain)
    @inferred
    Examples: a domain without a dot
      | email           |
      | riley@localhost |

  Scenario Outline: A required field is missing
    When the administrator creates a service account without a "<field>"
    Then the call is rejected as a bad request about "<field>"

    Examples:
      | field    |
      | username |
      | email    |

  Scenario: Plus addressing gives each service account its own email
    When the administrator creates a service account "riley" with the email "riley@example.com"
    And the administrator creates a service account "airflow" with the email "riley+airflow@example.com"
    Then both service accounts "riley" and "airflow" exist with their own emails

  Scenario: A deactivated service account is hidden from the default list
    Given a service account "old-bot" that has been deactivated
    Then the administrator's list of service accounts does not include "old-bot"

  Scenario: Deactivated service accounts are listed on request
    Given a service account "old-bot" that has been deactivated
    When the administrator lists service accounts including deactivated ones
    Then the list includes the service account "old-bot" with its username, email, id and idpId

  Scenario: An activated service account is listed again
    Given a service account "old-bot" that has been deactivated and activated again
    Then the administrator's list of service accounts includes "old-bot"

  # inferred: deactivate and activate answer with the account (username, email, id, idpId)
  @inferred
  Scenario: Deactivating and activating answer with the account
    Given a service account "old-bot"
    When the administrator deactivates the service account "old-bot"
    Then the service account "old-bot" is returned with its username, email, id and idpId
    When the administrator activates the service account "old-bot"
    Then the service account "old-bot" is returned with its username, email, id and idpId

  Scenario Outline: Deactivating or activating an unknown service account is refused
    When the administrator <action> a service account that does not exist
    Then the call is rejected as not found

    Examples:
      | action      |
      | deactivates |
      | activates   |

  Scenario Outline: Only administrators manage service accounts
    Given a service account "ci-bot"
    When <caller> <operation>
    Then the call is rejected as <rejection>

    @non-admin
    Examples: a signed-in user who is not an administrator
      | caller           | operation                                | rejection |
      | a non-admin user | lists service accounts                   | forbidden |
      | a non-admin user | creates a service account "intruder"     | forbidden |
      | a non-admin user | deactivates the service account "ci-bot" | forbidden |
      | a non-admin user | activates the service account "ci-bot"   | forbidden |
      | a non-admin user | creates a token "stolen" for "ci-bot"    | forbidden |
      | a non-admin user | lists the tokens of "ci-bot"             | forbidden |

    Examples: a service account, even with a valid token
      | caller              | operation                             | rejection |
      | the service account | lists service accounts                | forbidden |
      | the service account | creates a service account "intruder"  | forbidden |
      | the service account | creates a token "stolen" for "ci-bot" | forbidden |
      | the service account | lists the tokens of "ci-bot"          | forbidden |

    Examples: no credentials at all
      | caller                    | operation                             | rejection       |
      | an unauthenticated caller | lists service accounts                | unauthenticated |
      | an unauthenticated caller | creates a service account "intruder"  | unauthenticated |
      | an unauthenticated caller | creates a token "stolen" for "ci-bot" | unauthenticated |

  Scenario Outline: Only administrators read, invalidate or delete a service account's token
    Given a service account "ci-bot" with a token "deploy"
    When <caller> <operation> the token "deploy" of "ci-bot"
    Then the call is rejected as <rejection>
    And the answer does not hold the value of the token "deploy"
    And the token "deploy" is listed as valid
    And the token "deploy" authenticates as "ci-bot"

    @non-admin
    Examples: a signed-in user who is not an administrator
      | caller           | operation   | rejection |
      | a non-admin user | fetches     | forbidden |
      | a non-admin user | invalidates | forbidden |
      | a non-admin user | deletes     | forbidden |

    Examples: the service account itself, with that very token
      | caller              | operation   | rejection |
      | the service account | fetches     | forbidden |
      | the service account | invalidates | forbidden |
      | the service account | deletes     | forbidden |

    Examples: no credentials at all
      | caller                    | operation   | rejection       |
      | an unauthenticated caller | fetches     | unauthenticated |
      | an unauthenticated caller | invalidates | unauthenticated |
      | an unauthenticated caller | deletes     | unauthenticated |
