@users
Feature: Callers without credentials

  Scenario: Asking without credentials
    When an unauthenticated caller asks who they are
    Then the call is rejected as unauthenticated
