Feature: Ending the chat
  Click Disconnect in the client or close the work item directly in Salesforce: either way the client
  disconnects the chat interaction and Omni-Channel closes the work item. Remember to close the chat
  conversation window in Salesforce: otherwise the client does not disconnect the chat interaction and cannot
  route any chats to you (seed article, step 4 and its note).

  Background:
    Given Alice is On Queue in the client
    And Alice is chatting with a customer after picking up the chat

  @END-1 @core
  Scenario: Disconnect in the client closes the work item
    When she clicks Disconnect in the client
    Then Omni-Channel closes the work item in Salesforce
    And the chat conversation window closes in her console

  @END-2 @core
  Scenario: Closing the chat conversation window in Salesforce disconnects the client
    When she closes the chat conversation window in Salesforce
    Then the client disconnects the chat
    And Omni-Channel closes the work item in Salesforce

  @END-3 @core
  Scenario: A chat window left open keeps the interaction and routes no new chat until it is closed
    When she ends the chat in Salesforce but leaves the chat conversation window open
    And another customer starts a chat in the chat queue in Salesforce
    Then the second chat waits in the queue in Genesys Cloud without alerting Alice
    And the chat stays connected in the client
    And the work item stays open in her console
    When she closes the chat conversation window in Salesforce
    Then the client disconnects the chat
    When she selects a wrap-up code and clicks Done
    Then Alice's client alerts the second chat with its Salesforce work item

  @END-4 @extended
  Scenario: The customer leaving ends the session while the agent's work item stays until she closes it
    When the customer leaves the conversation
    Then the client shows that the customer has left
    And the chat stays connected in the client
    And the work item stays open in her console
    When she closes the chat conversation window in Salesforce
    Then the client disconnects the chat
    And Omni-Channel closes the work item in Salesforce
