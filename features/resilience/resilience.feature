Feature: Resilience
  What users expect of a connector when a platform misbehaves: rate limits, expired tokens, dropped sockets
  and streaming clients, a restart, duplicated events. Each fault acts on the whole world, so each scenario
  runs alone.

  Background:
    Given Alice is On Queue in the client

  @RES-1 @resilience @exclusive
  Scenario: A rate-limited request is retried after Retry-After
    Given Genesys Cloud answers the next interaction the connector creates with 429 and Retry-After 1
    When a customer starts a chat in the chat queue in Salesforce
    Then Alice's client alerts the chat with its Salesforce work item
    And the connector retried the refused request

  @RES-2 @resilience @exclusive
  Scenario: Expired tokens are renewed
    Given every token issued so far has expired on both platforms
    When a customer starts a chat in the chat queue in Salesforce
    Then Alice's client alerts the chat with its Salesforce work item
    When she clicks Pick Up
    Then Omni-Channel generates a work item for Alice and opens the chat in her console

  @RES-3 @resilience @exclusive
  Scenario: A dropped notification socket is opened again
    Given Genesys Cloud closes the connector's notification socket
    Then the connector opens a notification socket again
    When a customer starts a chat in the chat queue in Salesforce
    Then Alice's client alerts the chat with its Salesforce work item
    When she clicks Pick Up
    Then Omni-Channel generates a work item for Alice and opens the chat in her console

  @RES-4 @resilience @exclusive
  Scenario: A forgotten streaming client handshakes again and misses no event
    Given Salesforce forgets the connector's streaming client
    When a customer starts a chat in the chat queue in Salesforce
    Then Alice's client alerts the chat with its Salesforce work item

  @RES-5 @resilience @exclusive
  Scenario: A connector restart in the middle of a chat loses nothing
    Given Alice is chatting with a customer after picking up the chat
    When the connector is restarted
    And she clicks Disconnect in the client
    Then Omni-Channel closes the work item in Salesforce
    And the wrap-up window opens

  @RES-6 @resilience @exclusive
  Scenario: Events delivered twice create no duplicate work item
    Given both platforms deliver every event twice
    And a customer chat is alerting in Alice's client
    When she clicks Pick Up
    Then Omni-Channel generates a work item for Alice and opens the chat in her console
    And there is exactly one work item for the chat
