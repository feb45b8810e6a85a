Feature: Scale
  What users expect of a busy contact centre (not in the seed article): with every agent of the pool On Queue and a
  chat for each of them started at once, every chat goes through the whole documented flow, and the connector's
  latencies are measured from both platforms' journals. It takes every agent, so it runs alone.

  @SCALE-1 @scale @exclusive
  Scenario: Many agents handle concurrent chats and every flow completes
    Given every agent of the pool is On Queue in the client
    When a customer starts a chat for every agent at once
    Then every chat alerts an agent's client with its Salesforce work item
    When every agent clicks Pick Up
    Then Omni-Channel opens every work item in the console of the agent who picked it up
    When every agent clicks Disconnect in the client and completes wrap-up
    Then Omni-Channel closes every work item and every agent is ready for the next interaction
    And the connector's latencies are reported
