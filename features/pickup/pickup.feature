Feature: Pick up
  Click Pick Up as the chat interaction is alerting: the chat connects in the client, and Omni-Channel
  generates a work item and opens the chat conversation in the Salesforce console (seed article, step 2).

  Background:
    Given Alice is On Queue in the client
    And a customer chat is alerting in Alice's client

  @PICK-1 @core
  Scenario: Pick Up connects the chat in the client
    When she clicks Pick Up
    Then the chat connects in the client

  @PICK-2 @core
  Scenario: Pick Up opens the work item in her Salesforce console
    When she clicks Pick Up
    Then Omni-Channel generates a work item for Alice and opens the chat in her console
    And the routing request is gone and the chat is in progress with Alice as owner

  @PICK-3 @extended @exclusive
  Scenario: An alert nobody answers goes to the next agent
    Given Bob is also an agent of the chat queue
    And Bob is On Queue in the client
    When Alice lets the alert time out
    Then Alice is Not Responding in the client
    And Bob's client alerts the chat with its Salesforce work item
    When Bob clicks Pick Up
    Then Omni-Channel generates a work item for Bob and opens the chat in his console
    And Alice never got a work item for the chat
