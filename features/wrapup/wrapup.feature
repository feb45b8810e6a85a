Feature: Wrap-up
  You are disconnected from the chat and the Wrap-up window automatically opens. To complete wrap-up work,
  select a wrap-up code in the client and click Done (seed article, step 5).

  Background:
    Given Alice is On Queue in the client
    And Alice is chatting with a customer after picking up the chat

  @WRAP-1 @core
  Scenario: The wrap-up window opens after the disconnect
    When she clicks Disconnect in the client
    Then the wrap-up window opens
    And it offers the chat queue's wrap-up codes

  @WRAP-2 @core
  Scenario: A wrap-up code and Done make her routable again
    Given she has disconnected the chat
    When she selects a wrap-up code and clicks Done
    Then the client records the wrap-up code
    And she is ready for the next interaction
    When another customer starts a chat in the chat queue in Salesforce
    Then Alice's client alerts the second chat with its Salesforce work item

  @WRAP-2 @core
  Scenario: A wrap-up code outside the queue's list is refused
    Given she has disconnected the chat
    When she selects a wrap-up code that is not one of the chat queue's codes and clicks Done
    Then the client refuses the wrap-up code
    And the wrap-up window stays open
