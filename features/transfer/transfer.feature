Feature: Transfer the chat interaction
  To transfer the chat to another agent or queue, do it from Salesforce: an externally routed chat cannot be
  transferred from the client. When another agent accepts the transfer, Omni-Channel disconnects the work item
  automatically on your end (seed article, "Transfer the chat interaction").

  Background:
    Given Alice is On Queue in the client
    And Alice is chatting with a customer after picking up the chat
    And Bob is On Queue in the client

  @XFER-1 @core
  Scenario: The client cannot transfer an externally routed chat
    When Alice tries to transfer the chat to Bob in the client
    Then the client refuses the transfer
    And nothing changes in Genesys Cloud or Salesforce

  @XFER-2 @core
  Scenario: Transfer to an agent in Salesforce
    When Alice transfers the chat to Bob in Salesforce
    Then Bob's client alerts the transferred chat
    And Alice still has the work item open in her console and the chat connected in her client
    When Bob accepts the chat in his client
    Then Omni-Channel opens the work item in Bob's console
    And Alice's work item is disconnected in Salesforce
    And Alice's chat ends in the client

  @XFER-3 @core
  Scenario: Transfer to a queue in Salesforce routes the chat again
    When Alice transfers the chat to the second chat queue in Salesforce
    Then Salesforce raises a new routing request for the chat in the second chat queue
    And Bob's client alerts the chat as the same Salesforce work item
    When Bob accepts the chat in his client
    Then Omni-Channel opens the work item in Bob's console
    And Alice no longer has the work item in her console
    And Alice's chat ends in the client

  @XFER-4 @extended
  Scenario: The receiver declines the transfer and the sender keeps the chat
    When Alice transfers the chat to Bob in Salesforce
    Then Bob's client alerts the transferred chat
    When Bob declines the chat in his client
    Then Bob's work item is declined in Salesforce
    And Alice still has the work item open in her console and the chat connected in her client

  @XFER-4 @extended @exclusive
  Scenario: The receiver lets the transfer alert time out and the sender keeps the chat
    When Alice transfers the chat to Bob in Salesforce
    Then Bob's client alerts the transferred chat
    When Bob lets the alert time out
    Then Bob's work item is declined in Salesforce
    And Alice still has the work item open in her console and the chat connected in her client
