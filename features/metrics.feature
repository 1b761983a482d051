@metrics @model-monitoring @destructive
Feature: Custom metrics of a monitored model
  A monitored model's custom metrics are values logged with a reference timestamp and tags,
  read back by a time window, and alerts sent when a value falls outside its target range, as
  python-domino's custom_metrics_client logs, reads and alerts them (the public API's
  CustomMetrics routes). Each scenario logs to metrics of its own on the model that
  --model-monitoring-id names; Domino deletes no metric value, so they stay there.

  Scenario: Logging values answers 201 Created with no body
    When the administrator logs the values of the metric "accuracy" at minutes 0 and 1
    Then the values are logged

  # inferred: values read back in timestamp order, whatever order they were logged in
  @inferred
  Scenario: Values read back in timestamp order
    Given the administrator has logged the values of the metric "accuracy" at minutes 20, 0 and 10
    When the administrator reads the metric "accuracy" from minute 0 to minute 30
    Then the answer holds the values of minutes 0, 10 and 20, in that order

  # the spec: referenceTimestamp >= startingReferenceTimestampInclusive and <= endingReferenceTimestampInclusive
  Scenario: A read takes the values from its start to its end, both included
    Given the administrator has logged the values of the metric "accuracy" at minutes 0, 10, 20 and 30
    When the administrator reads the metric "accuracy" from minute 10 to minute 20
    Then the answer holds the values of minutes 10 and 20, in that order

  # the spec: the bounds are RFC 3339 timestamps with a time zone
  Scenario: A read's bounds may be given in any time zone
    Given the administrator has logged the values of the metric "accuracy" at minutes 0, 10, 20 and 30
    When the administrator reads the metric "accuracy" from minute 5 to minute 25 with its bounds at UTC+02:00
    Then the answer holds the values of minutes 10 and 20, in that order

  Scenario: A value's tags read back with it
    Given the administrator has logged the value of the metric "drift" at minute 0 with the tags "segment=eu" and "source=batch"
    When the administrator reads the metric "drift" from minute 0 to minute 0
    Then the value of minute 0 has the tags "segment=eu" and "source=batch"

  # inferred: a metric nothing was logged to reads as no values, not as not found
  @inferred
  Scenario: A metric nothing was logged to has no values
    When the administrator reads the metric "never-logged" from minute 0 to minute 60
    Then the answer holds no values

  # the spec: referenceTimestamp is required
  Scenario: A value needs its reference timestamp
    When the administrator logs a value of the metric "accuracy" without its referenceTimestamp
    Then the call is rejected as a bad request

  # inferred: a timestamp without a time zone is refused, as the spec asks for one
  @inferred
  Scenario: A reference timestamp needs its time zone
    When the administrator logs a value of the metric "accuracy" at "2024-01-01T00:00:00"
    Then the call is rejected as a bad request

  # the spec: both bounds are required query parameters
  Scenario: A read needs both bounds
    When the administrator reads the metric "accuracy" from minute 0 without an end
    Then the call is rejected as a bad request

  Scenario: Logging values needs credentials
    When an unauthenticated caller logs the values of the metric "accuracy" at minute 0
    Then the call is rejected as unauthenticated

  # Domino emails each alert to the model's notification recipients.
  @alerts
  Scenario: An alert is sent
    When the administrator sends an alert for the metric "accuracy" with the value 0.2, "between" 0.5 and 1
    Then the alert is sent

  # the spec: targetRange is required
  @alerts
  Scenario: An alert needs a target range
    When the administrator sends an alert for the metric "accuracy" with the value 0.2 and no target range
    Then the call is rejected as a bad request

  # the spec: the condition is one of lessThan, lessThanEqual, greaterThan, greaterThanEqual, between
  @alerts
  Scenario: An alert's condition is one the API knows
    When the administrator sends an alert for the metric "accuracy" with the value 0.2, "outside" 0.5 and 1
    Then the call is rejected as a bad request

  @alerts @mock-only
  Scenario: The mock records the alert Domino would email, and whether its value is out of range
    When the administrator sends an alert for the metric "accuracy" with the value 0.2, "between" 0.5 and 1
    Then the mock's alerts include it, out of its target range

  @alerts @mock-only
  Scenario: An alert whose value is within its target range is recorded as such
    When the administrator sends an alert for the metric "accuracy" with the value 0.7, "between" 0.5 and 1
    Then the mock's alerts include it, within its target range
