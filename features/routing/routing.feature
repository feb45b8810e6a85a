Feature: Routing of externally routed chats
  A queue with external routing opens the chat in the Salesforce console; the chat alerts in the client as the
  Salesforce work item (seed article, introduction and step 2). A plain web chat is handled in the client.

  @ROUTE-1 @core
  Scenario: A customer chat alerts the On Queue agent with its Salesforce work item
    Given Alice is On Queue in the client
    When a customer starts a chat in the chat queue in Salesforce
    Then the chat waits for an agent in Salesforce with its routing request
    And Alice's client alerts the chat with its Salesforce work item
    And no work item is created before she picks up

  @ROUTE-2 @core @webchat
  Scenario: A plain web chat stays in the client
    Given Alice is an agent of the Web Chat Queue
    And Alice has set her status to On Queue in the client
    When a customer starts a web chat in the Web Chat Queue in Genesys Cloud
    Then Alice's client alerts the web chat without a Salesforce work item
    When she clicks Pick Up on the web chat
    Then the web chat connects in the client
    And no work item is created for her in Salesforce

  @ROUTE-3 @extended
  Scenario: A customer who comes back after the session ended is routed again in the same conversation
    Given Alice is On Queue in the client
    And Alice is chatting with a customer after picking up the chat
    When the customer leaves the conversation
    And she closes the chat conversation window in Salesforce
    Then the client disconnects the chat
    When she selects a wrap-up code and clicks Done
    And the customer comes back and writes again
    Then Alice's client alerts the returning chat with its Salesforce work item
    And the returning chat is the same conversation in Genesys Cloud
