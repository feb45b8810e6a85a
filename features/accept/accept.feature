Feature: Accept a transferred chat
  When an agent transfers a chat and you receive it, the client alerts the incoming chat interaction as the
  Salesforce work item. Accept the incoming chat alert to start the conversation (seed article, "Accept the chat
  interaction").

  Background:
    Given Alice is On Queue in the client
    And Alice is chatting with a customer after picking up the chat
    And Bob is On Queue in the client
    And Alice has transferred the chat to Bob in Salesforce

  @ACCEPT-1 @core
  Scenario: The receiver's client alerts the chat as the Salesforce work item
    Then Bob's client alerts the chat as the same Salesforce work item
    And Omni-Channel has assigned the work item to Bob

  @ACCEPT-2 @core
  Scenario: Accepting the alert starts the conversation for the receiver
    Given Bob's client alerts the transferred chat
    When Bob accepts the chat in his client
    Then the chat connects in Bob's client
    And Omni-Channel opens the work item in Bob's console
    And the chat is in progress with Bob as owner
