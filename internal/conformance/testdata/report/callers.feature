# A small suite for the tests of --format html and markdown
# (report_formats_test.go): one scenario passes, two fail on purpose (one of
# them @inferred), one is skipped under the observed profile, and the names
# hold what a report must escape.
@users
Feature: Who is calling | in `the report's` test

  @admin
  Scenario: The administrator asks who they are
    When the administrator asks who they are
    Then the answer has the "SysAdmin" role

  @admin
  Scenario: A service account is no administrator <script>document.documentElement.setAttribute("data-injected","yes")</script>
    Given a service account "ci-bot" with a token "deploy"
    When a caller with the token "deploy" asks who they are
    Then the answer has the "SysAdmin" role

  # inferred: a wrong guess on purpose, which every target disproves
  @admin @inferred
  Scenario: The administrator is no administrator
    When the administrator asks who they are
    Then the answer does not have the "SysAdmin" role

  @strict
  Scenario: Skipped unless the strict profile is expected
    When the administrator asks who they are
    Then the answer has the "SysAdmin" role
